import { createApp } from 'vue';
import { i18n } from '@shared/i18n';
import { useElementForH5 } from './element';
import App from './App.vue';
import '@shared/theme.css';
import './h5.css';

const app = createApp(App);
useElementForH5(app);
app.use(i18n);
app.mount('#app');
