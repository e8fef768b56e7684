import type { App } from 'vue';
import { ElAlert, ElButton, ElConfigProvider, ElForm, ElFormItem, ElInput, ElResult, ElTabPane, ElTabs, ElTag } from 'element-plus';
// Each component's own styles (and the shared base), not the whole sheet: a phone on a slow
// network loads about a tenth of it.
import 'element-plus/es/components/alert/style/css';
import 'element-plus/es/components/button/style/css';
import 'element-plus/es/components/form/style/css';
import 'element-plus/es/components/form-item/style/css';
import 'element-plus/es/components/input/style/css';
import 'element-plus/es/components/result/style/css';
import 'element-plus/es/components/tabs/style/css';
import 'element-plus/es/components/tab-pane/style/css';
import 'element-plus/es/components/tag/style/css';

/** The few components the citizens' page uses: no table, date picker or select. */
export function useElementForH5(app: App): void {
  for (const component of [ElAlert, ElButton, ElConfigProvider, ElForm, ElFormItem, ElInput, ElResult, ElTabPane, ElTabs, ElTag])
    app.use(component);
}
