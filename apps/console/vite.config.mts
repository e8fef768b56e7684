import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * Two single-page apps from one source tree, built one after the other by
 * scripts/build-console.js: `console` (staff, served at /console) and `h5` (citizens, at
 * /h5). Each has its own base and output folder, so a proxy can publish /h5 to the internet
 * and keep /console on the internal network.
 */
const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig(({ mode }) => {
  const app = mode === 'h5' ? 'h5' : 'console';
  return {
    root: resolve(here, app),
    base: `/${app}/`,
    plugins: [vue()],
    resolve: { alias: { '@shared': resolve(here, 'src/shared') } },
    build: {
      outDir: resolve(here, 'dist', app),
      emptyOutDir: true,
      target: 'es2020',
      chunkSizeWarningLimit: 600,
      rolldownOptions: {
        output: {
          // Libraries in chunks of their own: they change with the lock file, the pages with
          // every release, so a browser keeps the larger part cached across releases.
          codeSplitting: {
            groups: [
              { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|vue-i18n|@intlify)[\\/]/ },
              {
                name: 'element-plus',
                test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|@popperjs|dayjs|lodash-es|lodash-unified|@ctrl|async-validator|memoize-one|normalize-wheel-es)[\\/]/,
              },
            ],
          },
        },
      },
      reportCompressedSize: false,
    },
    server: {
      // `npm run dev:console`: pages from Vite, the API from a service started with npm start.
      proxy: { '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
    },
  };
});
