import { setFlagsFromString } from 'node:v8';
import { plainToInstance, Transform } from 'class-transformer';
import { parseRoleMap } from '../auth/oidc';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';

/**
 * Every setting the service reads, with its environment variable and default. Validated
 * once at start: a bad value stops the process with a message naming the variable.
 * The README's configuration table is written from this class.
 */
export class AppConfig {
  /** PORT: HTTP port. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3000 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** DATA_DIR: where the embedded default keeps its SQLite files and generated keys. */
  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  /** EVENTSTORE_CONNECTION_STRING: selects EventStoreDB (e.g. esdb://host:2113?tls=false). */
  @IsOptional()
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//, {
    message: 'EVENTSTORE_CONNECTION_STRING must start with esdb:// or esdb+discover:// (or the kurrentdb equivalents)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  /** POSTGRES_URL: selects PostgreSQL for events (postgres:// or postgresql://); exclusive with EVENTSTORE_CONNECTION_STRING. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'POSTGRES_URL must start with postgres:// or postgresql://' })
  POSTGRES_URL?: string;

  /** POSTGRES_SCHEMA: schema of the PostgreSQL event tables (created when missing). */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'POSTGRES_SCHEMA must be 1-63 lower-case letters, digits or _, not starting with a digit',
  })
  POSTGRES_SCHEMA = 'public';

  /** MONGODB_URI: selects MongoDB for read models (mongodb:// or mongodb+srv://). */
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must start with mongodb:// or mongodb+srv://' })
  MONGODB_URI?: string;

  /** MONGODB_DATABASE: database for read models. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'MONGODB_DATABASE must be 1-63 letters, digits, _ or -' })
  MONGODB_DATABASE = 'registry';

  /** SQLITE_SYNCHRONOUS: FULL (an acknowledged append survives power loss) or NORMAL (faster, may lose the last commits on power loss). */
  @IsIn(['FULL', 'NORMAL'])
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' = 'FULL';

  /**
   * SQLITE_GROUP_COMMIT: on (default): appends made together (in one turn of the event loop)
   * share one transaction and one fsync, each answered after that commit; off: one each.
   */
  @IsIn(['on', 'off'], { message: 'SQLITE_GROUP_COMMIT must be on or off' })
  SQLITE_GROUP_COMMIT: 'on' | 'off' = 'on';

  /** LOG_LEVEL: pino level. */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** LOG_FILE: write logs to this file instead of standard output. */
  @IsOptional()
  @IsString()
  LOG_FILE?: string;

  /** PROJECTIONS_ENABLED: run projection workers in this instance (true/false). */
  @Transform(({ value }) => (value === undefined || value === '' ? true : String(value).toLowerCase() === 'true'))
  @IsBoolean()
  PROJECTIONS_ENABLED = true;

  /**
   * PROJECTION_THREAD: where projection workers run on the embedded default. auto (default):
   * in a thread of their own when the machine has more than one core; on; off (the main
   * thread). Servers (EventStoreDB, MongoDB) always run them in the main thread: scale out
   * with more instances instead.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 'auto' : String(value).toLowerCase()))
  @IsIn(['auto', 'on', 'off'])
  PROJECTION_THREAD: 'auto' | 'on' | 'off' = 'auto';

  /**
   * PROJECTION_BATCH_EVENTS: most events a projection applies and writes in one read-store
   * transaction. Live traffic makes small batches whatever this is; during a bulk load the
   * projections run full batches, and a larger batch rewrites fewer pages of the documents'
   * random id index per event. Memory grows with it. A projection may take fewer
   * (Projection.batchEvents): the audit projection takes one block of its chain.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 24000 : Number(value)))
  @IsInt()
  @Min(100)
  @Max(100000)
  PROJECTION_BATCH_EVENTS = 24000;

  /**
   * HEAP_GROWING_PERCENT: how far V8 lets a thread's heap grow past what its last full
   * collection kept before it collects again, in percent (every thread of the process). V8's
   * own rule lets a busy thread's heap grow to about four times what it keeps: a comparison
   * run at 1,000,000 persons keeps some 500 MB and grew to 2.2 GB of mostly garbage. At 100
   * it collects at twice what it keeps: the peak of `bench:import` at 1,000,000 went from
   * 1,236 to 853 MB, with no loss of speed; 50 saved little more and cost CPU in the threads
   * that keep little (bench/RESULTS.md). 0 leaves V8's rule.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 100 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(400)
  HEAP_GROWING_PERCENT = 100;

  /**
   * IMPORT_BATCH_ROWS: rows per import batch: one event-store transaction, decided and
   * appended in one turn of the thread's event loop. Larger is faster; memory grows with it.
   * Unset, it is 8,000 in `cli import` (nothing else waits on its thread) and 200 in the
   * service, where a batch holds the event log's write lock while it commits and HTTP writes
   * wait for it; with IMPORT_THREAD=off the service's imports share the thread with HTTP
   * requests, and a batch of 8,000 holds every request behind it for about half a second
   * (see `bench:load`).
   */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsOptional()
  @IsInt()
  @Min(1)
  IMPORT_BATCH_ROWS?: number;

  /**
   * IMPORT_THREAD: where the service runs an import on the embedded default. auto (default):
   * in a thread of its own when the machine has more than one core, at the nice value
   * CLI_IMPORT_NICE, so requests and the projection thread are served first; on; off (the
   * thread that answers requests). Servers (EventStoreDB, PostgreSQL, MongoDB) and `cli
   * import` run it in the main thread.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 'auto' : String(value).toLowerCase()))
  @IsIn(['auto', 'on', 'off'])
  IMPORT_THREAD: 'auto' | 'on' | 'off' = 'auto';

  /**
   * IMPORT_PROGRESS_INTERVAL_MS: how often an import stores its progress (counts, quarantined
   * rows, the row it resumes from) in the read store. 0 stores it after every batch. Each
   * store waits for the read store's write lock, which the projection thread holds while it
   * writes a batch; an interrupted import redoes the rows since the last store, without
   * duplicates (event ids are derived from the rows).
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 1000 : Number(value)))
  @IsInt()
  @Min(0)
  IMPORT_PROGRESS_INTERVAL_MS = 1000;

  /**
   * CLI_IMPORT_NICE: the nice value (0-19) `cli import` gives the thread that reads, cleans
   * and appends, so that the projection thread, which has to replay every event it appends,
   * gets a core first (on Linux a nice value is per thread). 0 leaves priorities alone. The
   * default, the lowest priority, is the usual one for a batch job and measured fastest end
   * to end (bench/RESULTS.md).
   * The service's import thread (IMPORT_THREAD) takes the same value.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 19 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(19)
  CLI_IMPORT_NICE = 19;

  /** HEALTH_MAX_PROJECTION_LAG: /health reports down when a projection is more events behind than this. */
  @Transform(({ value }) => (value === undefined || value === '' ? 100000 : Number(value)))
  @IsInt()
  @Min(0)
  HEALTH_MAX_PROJECTION_LAG = 100000;

  /** PROVINCE_CODE: the 2-digit GB/T 2260 code of the province this registry serves. */
  @Matches(/^\d{2}$/, { message: 'PROVINCE_CODE must be a 2-digit province code such as 44' })
  PROVINCE_CODE = '44';

  /** PRECEDENCE_FILE: JSON file with the source precedence per identity field (highest first). */
  @IsOptional()
  @IsString()
  PRECEDENCE_FILE?: string;

  /** LOOKUP_RATE_LIMIT: look-ups (and public calls) allowed per client per minute. */
  @Transform(({ value }) => (value === undefined || value === '' ? 120 : Number(value)))
  @IsInt()
  @Min(1)
  LOOKUP_RATE_LIMIT = 120;

  /** IMPORT_MAX_BYTES: largest file accepted by POST /v1/imports. */
  @Transform(({ value }) => (value === undefined || value === '' ? 4 * 1024 ** 3 : Number(value)))
  @IsInt()
  @Min(1)
  IMPORT_MAX_BYTES = 4 * 1024 ** 3;

  /**
   * IMPORT_MAX_ROW_BYTES: largest CSV record or NDJSON line of an imported file, in bytes as
   * sent. A longer row (a line without line breaks, an unclosed quote) is quarantined as
   * ROW_TOO_LARGE and reading resumes at the next line break; a header that long refuses the file.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 1024 * 1024 : Number(value)))
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  IMPORT_MAX_ROW_BYTES = 1024 * 1024;

  /** IMPORT_MAX_COLUMNS: most columns an imported file's header may have (FILE_TOO_MANY_COLUMNS beyond). */
  @Transform(({ value }) => (value === undefined || value === '' ? 1000 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(16384)
  IMPORT_MAX_COLUMNS = 1000;

  /** IMPORT_XLSX_MAX_INFLATED_BYTES: largest inflated worksheet of an imported XLSX, as its archive declares (FILE_XLSX_TOO_LARGE beyond). */
  @Transform(({ value }) => (value === undefined || value === '' ? 2 * 1024 ** 3 : Number(value)))
  @IsInt()
  @Min(1024 * 1024)
  IMPORT_XLSX_MAX_INFLATED_BYTES = 2 * 1024 ** 3;

  /** LINKAGE_CONFIG: JSON file with the record-linkage fields, weights and thresholds (default: libs/linkage/config/default.json). */
  @IsOptional()
  @IsString()
  LINKAGE_CONFIG?: string;

  /** INSTANCE_ID: names this instance in projection leases; defaults to host name and pid. */
  @IsOptional()
  @IsString()
  INSTANCE_ID?: string;

  /**
   * LEASE_MS: how long a lease lasts without renewal: the projection workers' and the survey
   * cancellation reaction's (one instance holds each), the ministry exchange's (one upload and
   * one download at a time across instances) and the reminder sending's (one instance sends). The holder renews it every third of this; an instance that dies
   * without releasing it (kill -9, a lost host) blocks the others this long at most, after
   * which one of them takes over. Shorter means a quicker takeover and more renewal writes.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 15_000 : Number(value)))
  @IsInt()
  @Min(1000)
  @Max(600_000)
  LEASE_MS = 15_000;

  /** BODY_LIMIT: largest JSON request body accepted (file uploads have their own limit). */
  @Matches(/^\d+(kb|mb)$/i, { message: 'BODY_LIMIT must look like 256kb or 1mb' })
  BODY_LIMIT = '256kb';

  /**
   * BODY_MAX_DEPTH: deepest nesting of arrays and objects a JSON body may have. Checked on the
   * raw bytes before parsing: a deeper body answers 400 BODY_TOO_DEEP in time linear in its size.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 32 : Number(value)))
  @IsInt()
  @Min(2)
  @Max(1000)
  BODY_MAX_DEPTH = 32;

  /** HTTP_MAX_HEADER_BYTES: largest request head (request line and headers, a bearer token included); beyond it 431 REQUEST_HEADER_FIELDS_TOO_LARGE. */
  @Transform(({ value }) => (value === undefined || value === '' ? 16 * 1024 : Number(value)))
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024)
  HTTP_MAX_HEADER_BYTES = 16 * 1024;

  /**
   * HTTP_HEADERS_TIMEOUT_MS: time a client has to send a request's headers, from its first byte
   * (a client trickling them is cut off: 408 REQUEST_TIMEOUT and the connection closed).
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 20_000 : Number(value)))
  @IsInt()
  @Min(100)
  HTTP_HEADERS_TIMEOUT_MS = 20_000;

  /**
   * HTTP_REQUEST_TIMEOUT_MS: time a client has to send a whole request, body included (uploads
   * too: a 4 GiB file needs 15 MB/s at the default); then 408 REQUEST_TIMEOUT and the connection closed.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 300_000 : Number(value)))
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 300_000;

  /** HTTP_KEEP_ALIVE_TIMEOUT_MS: how long an idle keep-alive connection stays open between requests. */
  @Transform(({ value }) => (value === undefined || value === '' ? 5_000 : Number(value)))
  @IsInt()
  @Min(100)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;

  /** CORS_ORIGINS: comma-separated origins allowed to call the API from a browser; CORS is off when unset. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  /** JWT_ALGORITHM: HS256 (secret from the key file) or RS256 (JWT_PUBLIC_KEY_FILE). */
  @IsIn(['HS256', 'RS256'])
  JWT_ALGORITHM: 'HS256' | 'RS256' = 'HS256';

  /** JWT_PUBLIC_KEY_FILE: PEM public key that verifies RS256 tokens. */
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY_FILE?: string;

  /** JWT_PRIVATE_KEY_FILE: PEM private key the CLI's token command signs RS256 tokens with. */
  @IsOptional()
  @IsString()
  JWT_PRIVATE_KEY_FILE?: string;

  /** JWT_ISSUER: required `iss` of tokens. */
  @IsString()
  JWT_ISSUER = 'registry';

  /** JWT_AUDIENCE: required `aud` of tokens. */
  @IsString()
  JWT_AUDIENCE = 'registry-api';

  /**
   * SESSION_LIFETIME_MINUTES: how long a token from POST /v1/sessions (the console's sign-in
   * with a local account) is valid; the console signs out when it runs out. Default: a working day.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 480 : Number(value)))
  @IsInt()
  @Min(5)
  @Max(7 * 24 * 60)
  SESSION_LIFETIME_MINUTES = 480;

  /** H5_SESSION_MINUTES: how long the citizens' page's channel token lasts (it asks for a new one when it runs out). */
  @Transform(({ value }) => (value === undefined || value === '' ? 30 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  H5_SESSION_MINUTES = 30;

  /** OIDC_ISSUER: the province identity provider's issuer URL; tokens whose iss is this are verified by its JWKS. Unset: no OpenID Connect. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OIDC_ISSUER must be an http(s) URL' })
  OIDC_ISSUER?: string;

  /** OIDC_JWKS_URL: where the provider publishes its signing keys; default: jwks_uri from the issuer's discovery document. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OIDC_JWKS_URL must be an http(s) URL' })
  OIDC_JWKS_URL?: string;

  /** OIDC_AUDIENCE: the aud the provider's tokens must carry for this service. */
  @IsString()
  OIDC_AUDIENCE = 'registry-api';

  /** OIDC_CLIENT_ID: the console's client id at the provider; set, the sign-in page offers the provider's sign-in (authorization code with PKCE). */
  @IsOptional()
  @IsString()
  OIDC_CLIENT_ID?: string;

  /** OIDC_SCOPE: scopes the console asks the provider for. */
  @IsString()
  OIDC_SCOPE = 'openid profile';

  /** OIDC_ALGORITHMS: signature algorithms accepted from the provider (comma-separated). */
  @Matches(/^(RS|PS|ES)(256|384|512)(,(RS|PS|ES)(256|384|512))*$/, {
    message: 'OIDC_ALGORITHMS must list RS256, PS256, ES256 … separated by commas',
  })
  OIDC_ALGORITHMS = 'RS256';

  /** OIDC_SUBJECT_CLAIM / OIDC_ROLES_CLAIM / OIDC_REGION_CLAIM: where the token carries the staff id, roles and division code (dotted paths allowed, e.g. realm_access.roles). */
  @IsString()
  OIDC_SUBJECT_CLAIM = 'sub';

  @IsString()
  OIDC_ROLES_CLAIM = 'roles';

  @IsString()
  OIDC_REGION_CLAIM = 'region';

  /** OIDC_ROLE_MAP: provider role names to registry roles, `their-role:county-operator,…`; registry role names pass as they are. */
  @IsOptional()
  @IsString()
  OIDC_ROLE_MAP?: string;

  /** ENCRYPTION_ALGORITHM: algorithm of the data key generated on first start: aes-256-gcm or sm4-ctr-hmac-sm3. */
  @IsIn(['aes-256-gcm', 'sm4-ctr-hmac-sm3'])
  ENCRYPTION_ALGORITHM: 'aes-256-gcm' | 'sm4-ctr-hmac-sm3' = 'aes-256-gcm';

  /** KEYS_FILE: JSON file holding the hashing and encryption keys; generated under DATA_DIR when absent. */
  @IsOptional()
  @IsString()
  KEYS_FILE?: string;

  /**
   * MINISTRY_URL: base URL of the ministry exchange (docs/ministry-interface.md), e.g.
   * https://exchange.example.gov.cn; the client appends /ministry/v1/…. Unset: the exchange
   * is disabled. TLS is mandatory; plain http is accepted only for a loopback host (the simulator).
   */
  @IsOptional()
  @Matches(/^(https:\/\/[^\s/?#]+|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?)(\/[^\s?#]*)?$/, {
    message: 'MINISTRY_URL must be an https:// URL (plain http only to localhost, for the ministry simulator)',
  })
  MINISTRY_URL?: string;

  /** MINISTRY_TOKEN: the API key the ministry issued to this province (sent as a bearer token); required with MINISTRY_URL. */
  @ValidateIf((config: AppConfig) => config.MINISTRY_URL !== undefined)
  @IsString({ message: 'MINISTRY_TOKEN is required when MINISTRY_URL is set' })
  @MinLength(1, { message: 'MINISTRY_TOKEN is required when MINISTRY_URL is set' })
  MINISTRY_TOKEN?: string;

  /** MINISTRY_TIMEOUT_MS: how long one ministry request may take before it is aborted and retried. */
  @Transform(({ value }) => (value === undefined || value === '' ? 10_000 : Number(value)))
  @IsInt()
  @Min(1)
  MINISTRY_TIMEOUT_MS = 10_000;

  /** MINISTRY_RETRIES: retries of a ministry request after a network error, timeout, 429 or 5xx (4xx are not retried). */
  @Transform(({ value }) => (value === undefined || value === '' ? 4 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(10)
  MINISTRY_RETRIES = 4;

  /** MINISTRY_RETRY_BASE_MS: first back-off delay; each retry doubles it (capped at 30 s), with full jitter. */
  @Transform(({ value }) => (value === undefined || value === '' ? 500 : Number(value)))
  @IsInt()
  @Min(0)
  MINISTRY_RETRY_BASE_MS = 500;

  /** MINISTRY_UPLOAD_INTERVAL_MS: how often verified registration data is uploaded; 0 = only on request. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3_600_000 : Number(value)))
  @IsInt()
  @Min(0)
  MINISTRY_UPLOAD_INTERVAL_MS = 3_600_000;

  /**
   * COMPARISON_HEARTBEAT_MS: how often a comparison run writes that it is alive. A run marked
   * running whose heartbeat is older than three of these was cut off by a crash or a stop: the
   * next start marks it interrupted and goes ahead.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 10_000 : Number(value)))
  @IsInt()
  @Min(100)
  @Max(600_000)
  COMPARISON_HEARTBEAT_MS = 10_000;

  /**
   * SHUTDOWN_GRACE_MS: on SIGTERM, how long requests in flight may take to finish and a
   * running import or comparison to reach a batch boundary before the stores are closed.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 20_000 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS = 20_000;

  /** MINISTRY_UPLOAD_BATCH: records per upload batch (the specification allows at most 1000). */
  @Transform(({ value }) => (value === undefined || value === '' ? 500 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(1000)
  MINISTRY_UPLOAD_BATCH = 500;

  /** MINISTRY_DOWNLOAD_INTERVAL_MS: how often interaction data is downloaded; 0 = only on request. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3_600_000 : Number(value)))
  @IsInt()
  @Min(0)
  MINISTRY_DOWNLOAD_INTERVAL_MS = 3_600_000;

  /**
   * AUDIT_HASH_ALGORITHM: hash of the tamper-evident chain over the event log: sm3 (GB/T 32905,
   * the default, for national-cryptography deployments) or sha256. Changing it rebuilds the
   * chain from the first event (anchors made before keep their own algorithm).
   */
  @IsIn(['sm3', 'sha256'], { message: 'AUDIT_HASH_ALGORITHM must be sm3 or sha256' })
  AUDIT_HASH_ALGORITHM: 'sm3' | 'sha256' = 'sm3';

  /** AUDIT_ANCHOR_EVENTS: a signed anchor of the chain is made once this many events were chained since the last one. */
  @Transform(({ value }) => (value === undefined || value === '' ? 100_000 : Number(value)))
  @IsInt()
  @Min(1)
  AUDIT_ANCHOR_EVENTS = 100_000;

  /** AUDIT_ANCHOR_INTERVAL_MS: and at least this often while the chain grows; 0 = by event count only. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3_600_000 : Number(value)))
  @IsInt()
  @Min(0)
  AUDIT_ANCHOR_INTERVAL_MS = 3_600_000;

  /** AUDIT_READ_FLUSH_MS: recorded reads of personal data are buffered and written to the log at least this often. */
  @Transform(({ value }) => (value === undefined || value === '' ? 1000 : Number(value)))
  @IsInt()
  @Min(10)
  @Max(60_000)
  AUDIT_READ_FLUSH_MS = 1000;

  /** AUDIT_READ_FLUSH_ENTRIES: or as soon as this many persons were read. */
  @Transform(({ value }) => (value === undefined || value === '' ? 5000 : Number(value)))
  @IsInt()
  @Min(1)
  AUDIT_READ_FLUSH_ENTRIES = 5000;

  /** REPORT_MIN_CELL: small-count threshold k: for reporting consumers, report cells below it are suppressed (with complementary cells). */
  @Transform(({ value }) => (value === undefined || value === '' ? 5 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(1000)
  REPORT_MIN_CELL = 5;

  /**
   * CHART_FONT_FILE: a TrueType/OpenType font with Chinese glyphs for PNG charts (SVG charts
   * leave fonts to the viewer). Default: the first of the usual Debian CJK fonts found
   * (fonts-wqy-microhei, fonts-noto-cjk, fonts-wqy-zenhei).
   */
  @IsOptional()
  @IsString()
  CHART_FONT_FILE?: string;

  /** MINISTRY_MAX_PENDING_AGE_MS: /health reports the exchange down when the oldest unacknowledged event is older; default 3 upload intervals (or 3 h). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt()
  @Min(1)
  MINISTRY_MAX_PENDING_AGE_MS?: number;

  /**
   * SMS_GATEWAY_URL: base URL of an SMS gateway speaking docs/sms-gateway-interface.md (https, or
   * http to a loopback host for the simulator, apps/sms-sim). Unset: messages go to the outbox
   * file $DATA_DIR/outbox/messages.ndjson.
   */
  @IsOptional()
  @Matches(/^(https:\/\/[^\s/?#]+|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?)(\/[^\s?#]*)?$/, {
    message: 'SMS_GATEWAY_URL must be an https:// URL (plain http only to localhost, for the SMS simulator)',
  })
  SMS_GATEWAY_URL?: string;

  /** SMS_GATEWAY_TOKEN: the bearer key the gateway issued; required with SMS_GATEWAY_URL. */
  @ValidateIf((config: AppConfig) => config.SMS_GATEWAY_URL !== undefined)
  @IsString({ message: 'SMS_GATEWAY_TOKEN is required when SMS_GATEWAY_URL is set' })
  @MinLength(1, { message: 'SMS_GATEWAY_TOKEN is required when SMS_GATEWAY_URL is set' })
  SMS_GATEWAY_TOKEN?: string;

  /** SMS_GATEWAY_TIMEOUT_MS: how long one gateway request may take before it is aborted and retried. */
  @Transform(({ value }) => (value === undefined || value === '' ? 10_000 : Number(value)))
  @IsInt()
  @Min(1)
  SMS_GATEWAY_TIMEOUT_MS = 10_000;

  /** SMS_GATEWAY_RETRIES: retries of a gateway request after a network error, timeout, 429 or 5xx. */
  @Transform(({ value }) => (value === undefined || value === '' ? 4 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(10)
  SMS_GATEWAY_RETRIES = 4;

  /** SMS_GATEWAY_RETRY_BASE_MS: first back-off delay; each retry doubles it (capped at 30 s), with full jitter. */
  @Transform(({ value }) => (value === undefined || value === '' ? 500 : Number(value)))
  @IsInt()
  @Min(0)
  SMS_GATEWAY_RETRY_BASE_MS = 500;

  /** SMS_GATEWAY_BATCH: messages per gateway request (the interface allows up to 100). */
  @Transform(({ value }) => (value === undefined || value === '' ? 100 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(100)
  SMS_GATEWAY_BATCH = 100;

  /** REMINDER_RULES_FILE: JSON file with the reminder rules (default: the shipped config/reminder-rules.json); validated at start. */
  @IsOptional()
  @IsString()
  REMINDER_RULES_FILE?: string;

  /** REMINDER_INTERVAL_MS: how often the reminder cycle runs (evaluate, schedule, send, read receipts); 0 = only on request (cli reminders run). */
  @Transform(({ value }) => (value === undefined || value === '' ? 3_600_000 : Number(value)))
  @IsInt()
  @Min(0)
  REMINDER_INTERVAL_MS = 3_600_000;

  /** VERIFICATION_CODES_PER_ID_PER_DAY: phone codes asked for under one citizen ID in a day (any phone, any client). */
  @Transform(({ value }) => (value === undefined || value === '' ? 10 : Number(value)))
  @IsInt()
  @Min(1)
  VERIFICATION_CODES_PER_ID_PER_DAY = 10;

  /** VERIFICATION_CODES_PER_CLIENT_PER_HOUR: phone codes one channel client may ask for in an hour. */
  @Transform(({ value }) => (value === undefined || value === '' ? 2000 : Number(value)))
  @IsInt()
  @Min(1)
  VERIFICATION_CODES_PER_CLIENT_PER_HOUR = 2000;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Reads and validates configuration from an environment-like record. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const input: Record<string, string> = {};
  for (const key of [
    ...known,
    'EVENTSTORE_CONNECTION_STRING',
    'POSTGRES_URL',
    'MONGODB_URI',
    'INSTANCE_ID',
    'KEYS_FILE',
    'CORS_ORIGINS',
    'JWT_PUBLIC_KEY_FILE',
    'JWT_PRIVATE_KEY_FILE',
    'PRECEDENCE_FILE',
    'LOG_FILE',
    'MINISTRY_URL',
    'MINISTRY_TOKEN',
    'MINISTRY_MAX_PENDING_AGE_MS',
    'CHART_FONT_FILE',
    'SMS_GATEWAY_URL',
    'SMS_GATEWAY_TOKEN',
    'REMINDER_RULES_FILE',
    'OIDC_ISSUER',
    'OIDC_JWKS_URL',
    'OIDC_CLIENT_ID',
    'OIDC_ROLE_MAP',
  ]) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const config = plainToInstance(AppConfig, input, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? { invalid: `${e.property} is invalid` }));
  if (config.POSTGRES_URL && config.EVENTSTORE_CONNECTION_STRING) {
    problems.push('POSTGRES_URL and EVENTSTORE_CONNECTION_STRING both select an event store: set one of them');
  }
  if (config.OIDC_ISSUER && config.OIDC_ISSUER === config.JWT_ISSUER) {
    throw new ConfigValidationError(['OIDC_ISSUER must differ from JWT_ISSUER: the issuer tells the two kinds of token apart']);
  }
  if (config.OIDC_ROLE_MAP) {
    try {
      parseRoleMap(config.OIDC_ROLE_MAP);
    } catch (error) {
      throw new ConfigValidationError([(error as Error).message]);
    }
  }
  // Node refuses a headers timeout above the request timeout.
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not be larger than HTTP_REQUEST_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}

/**
 * Applies HEAP_GROWING_PERCENT to the process (V8's flags are the process's: worker threads
 * started before or after take it too). V8 reads the flag each time it sizes a heap after a
 * full collection, so setting it once the process runs takes effect from the next one.
 */
export function applyHeapGrowth(config: Pick<AppConfig, 'HEAP_GROWING_PERCENT'>, setFlags = setFlagsFromString): void {
  if (config.HEAP_GROWING_PERCENT > 0) setFlags(`--heap-growing-percent=${config.HEAP_GROWING_PERCENT}`);
}

/** Rows per import batch in `cli import` when IMPORT_BATCH_ROWS is unset (measured, bench/RESULTS.md). */
export const CLI_IMPORT_BATCH_ROWS = 8000;
/** Rows per import batch in the service when IMPORT_BATCH_ROWS is unset: short turns of the event loop HTTP requests share. */
export const SERVICE_IMPORT_BATCH_ROWS = 200;

/** The import batch size in effect: IMPORT_BATCH_ROWS, or the default of the CLI or of the service. */
export function importBatchRows(config: Pick<AppConfig, 'IMPORT_BATCH_ROWS'>, cli = process.env.REGISTRY_CLI === '1'): number {
  return config.IMPORT_BATCH_ROWS ?? (cli ? CLI_IMPORT_BATCH_ROWS : SERVICE_IMPORT_BATCH_ROWS);
}
