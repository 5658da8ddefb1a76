import { can, fail, get, post, qs } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { pct, todayStr } from '../lib/shared.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Supervision (一案双查、通报点名、行业治理) ------------------------------------------------------------
export const SupervisionPage = {
  components: { EChart },
  setup() {
    const tab = ref('dual'); const dual = ref({ items: [], total: 0 }); const pending = ref(true); const page = ref(1);
    const lastMonth = (() => { const d = new Date(Date.now() + 8 * 3600e3); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() - 1); return d.toISOString().slice(0, 7); })();
    const month = ref(lastMonth); const namings = ref([]); const outlets = ref(null);
    async function loadDual() { try { dual.value = await get('/supervision/dual-inquiries?' + qs({ pending: pending.value || '', page: page.value, per_page: 20 })); } catch (e) { fail(e); } }
    async function sample() { try { const r = await post('/supervision/dual-inquiries?' + qs({ month: month.value })); ElMessage.success(`抽取 ${r.opened} 起案件（抽查比例 ${r.rate * 100}%）`); loadDual(); } catch (e) { fail(e); } }
    const ans = reactive({ open: false, row: null, educated: false, unit_id: null, note: '' }); const units = ref([]); const summary = ref([]);
    function answer(d, educated) { Object.assign(ans, { open: true, row: d, educated, unit_id: null, note: '' }); }
    async function saveAnswer() {
      try {
        const r = await post(`/supervision/dual-inquiries/${ans.row.id}/answer`, { educated: ans.educated, responsible_unit_id: ans.unit_id || null, note: ans.note });
        ans.open = false; if (r.task_id) ElMessage.warning(`已向 ${r.responsible_unit} 下发整改任务`); loadDual(); loadSummary();
      } catch (e) { fail(e); }
    }
    async function loadSummary() { try { summary.value = await get('/supervision/dual-inquiries/summary?' + qs({ month: month.value })); } catch (e) { fail(e); } }
    const summaryChart = computed(() => ({
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 40, right: 40, top: 30, bottom: 25 },
      xAxis: { type: 'category', data: summary.value.map((r) => r.month) }, yAxis: [{ type: 'value', name: '起' }],
      series: [
        { name: '已接受宣传', type: 'bar', stack: 'a', data: summary.value.map((r) => r.yes), itemStyle: { color: '#67c23a' } },
        { name: '未接受宣传', type: 'bar', stack: 'a', data: summary.value.map((r) => r.no), itemStyle: { color: '#e6553a' } },
        { name: '待回访', type: 'bar', stack: 'a', data: summary.value.map((r) => r.sampled - r.yes - r.no), itemStyle: { color: '#c0c4cc' } },
        { name: '系统查到回执', type: 'line', data: summary.value.map((r) => r.forms_found), itemStyle: { color: '#5470c6' } },
      ],
    }));
    async function loadNamings() { try { namings.value = await get('/supervision/namings?' + qs({ month: month.value })); } catch (e) { fail(e); } }
    async function name() {
      try { await ElMessageBox.confirm(`下发 ${month.value} 通报：被点名达到次数的村(社区)挂牌整治，重大案件全环节倒查，均生成整改任务。确认下发？`, '确认下发通报', { type: 'warning', confirmButtonText: '确认下发', cancelButtonText: '取消' }); } catch { return; }
      try { namings.value = await post('/supervision/namings?' + qs({ month: month.value })); ElMessage.success('已向挂牌整治村(社区)下发整改清单'); } catch (e) { fail(e); } }
    async function loadOutlets() { try { outlets.value = await get('/governance/outlets'); } catch (e) { fail(e); } }
    const chk = reactive({ open: false, row: null, checked_on: todayStr(), passed: true, findings: '' });
    function openCheck(row) { Object.assign(chk, { open: true, row, checked_on: todayStr(), passed: true, findings: '' }); }
    async function saveCheck() { try { await post(`/governance/outlets/${chk.row.unit_id}/checks`, { checked_on: chk.checked_on, passed: chk.passed, findings: chk.findings }); chk.open = false; ElMessage.success('已记录'); loadOutlets(); } catch (e) { fail(e); } }
    async function nameOutlets() {
      try { await ElMessageBox.confirm('对涉诈开户数达到通报线的网点通报点名并下发整改任务？', '确认通报', { type: 'warning', confirmButtonText: '确认通报', cancelButtonText: '取消' }); } catch { return; }
      try { const r = await post('/governance/outlets/name'); ElMessage.success(`已下发整改任务 ${r.tasks_raised} 项`); loadOutlets(); } catch (e) { fail(e); } }
    const outletChart = computed(() => {
      if (!outlets.value) return {};
      const top = outlets.value.outlets.slice(0, 12).reverse();
      return { tooltip: {}, grid: { left: 170, right: 40, top: 10, bottom: 20 }, xAxis: { type: 'value', name: '涉诈卡/户' }, yAxis: { type: 'category', data: top.map((o) => o.name) },
        series: [{ type: 'bar', data: top.map((o) => ({ value: o.involved, itemStyle: { color: o.named ? '#d94e5d' : '#5470c6' } })), label: { show: true, position: 'right' } }] };
    });
    function onTab(t) { if (t === 'namings') loadNamings(); if (t === 'outlets') loadOutlets(); }
    const fmtDay = (ms) => new Date(ms).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    onMounted(async () => { loadDual(); loadSummary(); try { units.value = (await get('/units?per_page=500')).items; } catch (e) { fail(e); } });
    return { chk, openCheck, saveCheck, ans, saveAnswer, units, summary, summaryChart, loadSummary, tab, dual, pending, page, loadDual, sample, answer, month, namings, loadNamings, name, outlets, loadOutlets, nameOutlets, outletChart, onTab, fmtDay, can, pct };
  },
  template: `
  <div>
    <h2 class="page-title">监督问责</h2>
    <div style="margin-bottom:8px"><span class="muted">月份 </span><el-date-picker v-model="month" type="month" value-format="YYYY-MM" size="small" :clearable="false" style="width:120px" /></div>
    <el-tabs v-model="tab" @tab-change="onTab">
      <el-tab-pane label="一案双查" name="dual">
        <el-button v-if="can('prevention_review')" size="small" type="primary" @click="sample" data-testid="dual-sample">抽取本月案件</el-button>
        <el-checkbox v-model="pending" style="margin-left:8px" @change="loadDual">只看待回访</el-checkbox>
        <p class="muted">系统自动查找受害人本人或同户在案发前签收的回执、承诺书；回访核实后，未接受宣传教育的，倒查村(社区)、学校或工作单位等责任单位并下发整改任务。</p>
        <e-chart :option="summaryChart" style="height:240px" data-testid="dual-summary" />
        <el-table :data="dual.items" border stripe size="small" data-testid="dual-inquiries">
          <el-table-column prop="case_no" label="案件编号" width="150" />
          <el-table-column label="报案日期" width="100"><template #default="{ row }">{{ fmtDay(row.reported_at) }}</template></el-table-column>
          <el-table-column prop="jurisdiction_name" label="受害人所在村(社区)" width="140" />
          <el-table-column label="系统查找" width="220"><template #default="{ row }"><el-tag size="small" :type="row.forms_found ? 'success' : 'danger'">{{ row.forms_found ? '找到 ' + row.forms_found + ' 份回执/承诺书' : '无宣传记录' }}</el-tag>
            <div class="muted">{{ row.found_detail }}</div></template></el-table-column>
          <el-table-column label="回访结论" width="150"><template #default="{ row }"><span v-if="row.answer">{{ row.answer === 'yes' ? '已接受宣传' : '未接受宣传' }}</span><span v-else class="muted">待回访</span></template></el-table-column>
          <el-table-column prop="note" label="核实情况" />
          <el-table-column label="责任单位" width="140"><template #default="{ row }">{{ row.responsible_unit || '' }}<el-tag v-if="row.task_id" size="small" type="warning">整改#{{ row.task_id }}</el-tag></template></el-table-column>
          <el-table-column label="" width="130"><template #default="{ row }"><template v-if="!row.answer">
            <el-button link type="success" size="small" @click="answer(row, true)">已宣传</el-button><el-button link type="danger" size="small" @click="answer(row, false)" :data-testid="'dual-no-' + row.id">未宣传</el-button></template></template></el-table-column>
        </el-table>
        <el-pagination layout="total, prev, pager, next" :total="dual.total" :page-size="20" v-model:current-page="page" @current-change="loadDual" />
        <el-dialog v-model="ans.open" :title="ans.educated ? '回访结论：已接受宣传教育' : '回访结论：未接受宣传教育（倒查责任）'" width="520px">
          <el-form label-width="90px" size="small">
            <el-form-item v-if="!ans.educated" label="责任单位"><el-select v-model="ans.unit_id" filterable clearable placeholder="默认：受害人所在村(居)委会" style="width:100%">
              <el-option v-for="u in units.filter((x) => ['village_committee', 'school', 'company', 'other'].includes(x.kind) || x.kind.endsWith('_bureau'))" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
            <el-form-item label="核实情况"><el-input v-model="ans.note" type="textarea" :rows="3" placeholder="如：电话回访，受害人表示未收到过防骗宣传" data-testid="dual-note" /></el-form-item>
          </el-form>
          <template #footer><el-button @click="ans.open = false">取消</el-button><el-button type="primary" :disabled="!ans.note.trim()" @click="saveAnswer" data-testid="dual-save">确认</el-button></template>
        </el-dialog>
      </el-tab-pane>
      <el-tab-pane label="通报点名与挂牌整治" name="namings">
        <el-button v-if="can('prevention_review')" size="small" type="primary" @click="name">下发挂牌整治任务</el-button>
        <p class="muted">每月发案数最多的村(社区)予以通报点名；近12个月被点名3次及以上的挂牌整治，向其村(居)委会下发整改清单。</p>
        <el-table :data="namings" border stripe size="small" data-testid="namings">
          <el-table-column prop="rank" label="名次" width="60" /><el-table-column prop="name" label="村(社区)" />
          <el-table-column prop="cases" label="本月发案" width="90" />
          <el-table-column label="损失(万元)" width="100"><template #default="{ row }">{{ (row.loss_fen / 1e6).toFixed(2) }}</template></el-table-column>
          <el-table-column label="近12个月被点名" width="140"><template #default="{ row }"><el-tag size="small" :type="row.times_named >= 3 ? 'danger' : 'info'">{{ row.times_named }} 次{{ row.times_named >= 3 ? ' 挂牌整治' : '' }}</el-tag></template></el-table-column>
        </el-table>
      </el-tab-pane>
      <el-tab-pane label="行业治理(断卡)" name="outlets">
        <template v-if="outlets">
          <el-button v-if="can('prevention_review')" size="small" type="primary" @click="nameOutlets">通报超阈值网点并下发整改</el-button>
          <span class="muted"> 统计 {{ outlets.from }} 至 {{ outlets.to }} 开立的卡/账户；涉诈 {{ outlets.threshold }} 个及以上的网点予以通报。</span>
          <e-chart :option="outletChart" style="height:320px" />
          <el-table :data="outlets.outlets" border stripe size="small" data-testid="outlets">
            <el-table-column prop="rank" label="名次" width="60" /><el-table-column prop="name" label="网点" />
            <el-table-column prop="opened" label="开卡/户数" width="90" /><el-table-column prop="involved" label="涉诈数" width="80" />
            <el-table-column label="涉诈率" width="80"><template #default="{ row }">{{ pct(row.share) }}</template></el-table-column>
            <el-table-column label="最近开户检查" width="170"><template #default="{ row }">{{ row.last_check || '未检查' }} <el-tag v-if="row.last_check" size="small" :type="row.last_check_passed ? 'success' : 'danger'">{{ row.last_check_passed ? '合格' : '不合格' }}</el-tag></template></el-table-column>
            <el-table-column label="" width="140"><template #default="{ row }"><el-tag v-if="row.named" size="small" type="danger">通报</el-tag>
              <el-button v-if="can('prevention_review')" link type="primary" size="small" @click="openCheck(row)">开户检查</el-button></template></el-table-column>
          </el-table>
          <el-dialog v-model="chk.open" :title="chk.row ? chk.row.name + ' 开户审核检查' : ''" width="460px">
            <el-form label-width="80px" size="small">
              <el-form-item label="检查日期"><el-date-picker v-model="chk.checked_on" type="date" value-format="YYYY-MM-DD" :clearable="false" /></el-form-item>
              <el-form-item label="结论"><el-radio-group v-model="chk.passed"><el-radio :value="true">合格</el-radio><el-radio :value="false">不合格</el-radio></el-radio-group></el-form-item>
              <el-form-item label="检查发现"><el-input v-model="chk.findings" type="textarea" placeholder="不合格时必填，如：未落实“一人多卡”核查" /></el-form-item>
            </el-form>
            <template #footer><el-button @click="chk.open = false">取消</el-button><el-button type="primary" @click="saveCheck">保存</el-button></template>
          </el-dialog>
        </template>
      </el-tab-pane>
    </el-tabs>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/supervision', title: '监督问责', icon: 'Stamp', perm: 'case_read', page: SupervisionPage };
