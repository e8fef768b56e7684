import { createApp } from 'vue';
import { i18n } from '@shared/i18n';
import { useElement } from './element';
import { restore } from '@shared/session';
import App from './App.vue';
import { router } from './router';
import '@shared/theme.css';
import './console.css';

restore();
const app = createApp(App);
useElement(app);
app.use(i18n);
app.use(router);
app.mount('#app');
