// Command ferretdb-test serves a MongoDB wire-protocol endpoint backed by SQLite or by
// PostgreSQL, for running the MongoDB read-store suites where no MongoDB server exists.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "storage backend: sqlite or postgresql")
	dir := flag.String("dir", "./ferretdb-data", "directory for SQLite files (sqlite handler)")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL connection string (postgresql handler), e.g. postgres://user@127.0.0.1:5432/ferretdb")
	flag.Parse()

	config := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: *listen}, Handler: *handler}
	where := ""
	switch *handler {
	case "sqlite":
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			log.Fatalf("create data dir: %v", err)
		}
		config.SQLiteURL = "file:" + *dir + "/"
		where = "SQLite files in " + *dir
	case "postgresql":
		if *postgresURL == "" {
			log.Fatalf("-postgresql-url is required with -handler postgresql")
		}
		config.PostgreSQLURL = *postgresURL
		where = "PostgreSQL"
	default:
		log.Fatalf("unknown -handler %q: use sqlite or postgresql", *handler)
	}

	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatalf("configure: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("serving MongoDB wire protocol on %s (%s)", *listen, where)
	f.Run(ctx)
}
