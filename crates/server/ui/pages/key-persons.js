import { can, esc, fail, get, post, put, qs, viewport } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { catalog, todayStr, zhOf } from '../lib/shared.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref } from '../lib/vue.js';
import { MEASURE_STATE_ZH } from '../lib/vocab.js';

// ---- Key persons (重点人员一人一档) ---------------------------------------------------------------
export const KeyPersonsPage = {
  components: { EChart },
  setup() {
    const rows = ref([]); const cat = ref({}); const onlyOverdue = ref(false); const current = ref(null); const drawer = ref(false);
    const newOpen = ref(false); const idq = ref(''); const found = ref(null);
    const nf = reactive({ categories: ['two_cards'], legal_basis: '《中华人民共和国反电信网络诈骗法》第三十一条', deciding_authority: '', risk_score: 60, visit_every_days: 30 });
    const mf = reactive({ kind: 'card_restriction', starts_on: todayStr(), ends_on: '', reason: '', appeal_channel: '', documents: '身份证、申诉书' });
    const vf = reactive({ kind: 'visit', visited_on: todayStr(), note: '' });
    const cf = reactive({ role: 'grid_worker', name: '' });
    async function load() { try { rows.value = await get('/key-persons?' + qs({ overdue: onlyOverdue.value || '' })); } catch (e) { fail(e); } }
    async function open(id) { try { current.value = await get('/key-persons/' + id); drawer.value = true; } catch (e) { fail(e); } }
    async function find() {
      if (!can('pii_unmask')) { ElMessage.warning('按身份证号查找需查看明文权限，请由派出所民警建档'); return; }
      let reason;
      try { ({ value: reason } = await ElMessageBox.prompt('按身份证号查找将记入审计日志，请填写事由', '查找居民', { inputValue: '重点人员建档', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      try { const p = await get('/residents?' + qs({ id_number: idq.value.trim(), per_page: 1, reason })); found.value = p.items[0] || null; if (!found.value) ElMessage.warning('辖区内未找到该居民'); } catch (e) { fail(e); }
    }
    async function create() {
      try { const f = await post('/key-persons', { ...nf, resident_id: found.value.id }); newOpen.value = false; await load(); current.value = f; drawer.value = true; } catch (e) { fail(e); }
    }
    async function act(path, body) { try { current.value = await (path.endsWith('carers') ? put : post)(path, body); await load(); ElMessage.success('已保存'); } catch (e) { fail(e); } }
    async function appeal(m, passed) {
      let grounds;
      try { ({ value: grounds } = await ElMessageBox.prompt('申诉理由', passed ? '申诉核查通过（立即解除）' : '申诉核查未通过', { inputValidator: (v) => !!(v && v.trim()) || '请填写' })); } catch { return; }
      try { await post(`/key-persons/measures/${m.id}/appeal`, { filed_on: todayStr(), grounds, passed, note: passed ? '核查通过' : '核查未通过' }); await open(current.value.person.id); await load(); } catch (e) { fail(e); }
    }
    const calendar = computed(() => {
      if (!current.value) return {};
      const y = todayStr().slice(0, 4);
      const data = current.value.visits.map((v) => [v.visited_on, 1]);
      return { tooltip: { formatter: (p) => esc(p.value[0]) + (p.value[1] === 2 ? ' 应走访' : ' 已走访') },
        visualMap: { show: false, min: 0, max: 2, inRange: { color: ['#ebedf0', '#50a3ba', '#d94e5d'] } },
        calendar: { range: y, cellSize: ['auto', 13], left: 30, right: 10, top: 25, dayLabel: { nameMap: 'ZH' }, monthLabel: { nameMap: 'ZH' }, yearLabel: { show: false } },
        series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: [...data, [current.value.person.next_visit_due, 2]] }] };
    });
    const tf = reactive({ open: false, to_unit_id: null, reason: '' }); const units = ref([]);
    async function openTransfer() { tf.open = true; if (!units.value.length) { try { units.value = (await get('/units?per_page=500')).items.filter((u) => u.kind === 'police_station' || u.kind === 'police_bureau'); } catch (e) { fail(e); } } }
    async function transfer() {
      try { await post(`/key-persons/${current.value.person.id}/transfer`, { to_unit_id: tf.to_unit_id, reason: tf.reason }); tf.open = false; ElMessage.success('已移交'); await open(current.value.person.id); await load(); } catch (e) { fail(e); }
    }
    onMounted(async () => { try { cat.value = await catalog(); } catch (e) { fail(e); } load(); });
    return { tf, units, openTransfer, transfer, rows, cat, onlyOverdue, load, open, current, drawer, newOpen, idq, find, found, nf, create, mf, vf, cf, act, appeal, calendar, MEASURE_STATE_ZH, zhOf, viewport };
  },
  template: `
  <div>
    <h2 class="page-title">重点人员（一人一档）
      <el-button size="small" type="primary" style="margin-left:8px" @click="newOpen = true" data-testid="kp-new">建档</el-button></h2>
    <p class="muted">风险评分仅供参考；每项管控措施均记录决定人，并告知理由、申诉渠道和所需材料。申诉核查通过即时解除。</p>
    <el-checkbox v-model="onlyOverdue" @change="load" data-testid="kp-overdue">只看走访逾期</el-checkbox>
    <div v-if="viewport.narrow" data-testid="kp-cards">
      <el-empty v-if="!rows.length" description="暂无重点人员" :image-size="60" />
      <el-card v-for="row in rows" :key="row.id" shadow="never" class="list-card" @click="open(row.id)" data-testid="kp-card">
        <div class="warning-card-head"><b>{{ row.name }}</b><span class="masked">{{ row.id_number }}</span>
          <el-tag v-if="row.abroad" size="small" type="warning">劝返中</el-tag></div>
        <div><el-tag v-for="c in row.categories" :key="c" size="small" style="margin:1px">{{ zhOf(cat.categories, c) }}</el-tag></div>
        <div class="muted">{{ row.jurisdiction_name }} · {{ row.unit_name }} · 在执行措施 {{ row.measures_in_force }}</div>
        <div><el-tag size="small" :type="row.visit_overdue ? 'danger' : 'success'">下次走访 {{ row.next_visit_due }}{{ row.visit_overdue ? ' 逾期' : '' }}</el-tag></div>
      </el-card>
    </div>
    <el-table v-else :data="rows" border stripe size="small" @row-click="(r) => open(r.id)" data-testid="key-persons">
      <el-table-column prop="name" label="姓名" width="70" />
      <el-table-column prop="id_number" label="身份证号" width="170" />
      <el-table-column label="类别"><template #default="{ row }"><el-tag v-for="c in row.categories" :key="c" size="small" style="margin:1px">{{ zhOf(cat.categories, c) }}</el-tag></template></el-table-column>
      <el-table-column prop="jurisdiction_name" label="住址网格" width="100" />
      <el-table-column prop="unit_name" label="管控单位" width="140" />
      <el-table-column prop="risk_score" label="风险分(参考)" width="100" />
      <el-table-column label="在执行措施" width="90"><template #default="{ row }">{{ row.measures_in_force }}</template></el-table-column>
      <el-table-column label="下次走访" width="120"><template #default="{ row }"><el-tag size="small" :type="row.visit_overdue ? 'danger' : 'success'">{{ row.next_visit_due }}{{ row.visit_overdue ? ' 逾期' : '' }}</el-tag></template></el-table-column>
      <el-table-column label="" width="70"><template #default="{ row }"><el-tag v-if="row.abroad" size="small" type="warning">劝返中</el-tag></template></el-table-column>
    </el-table>
    <el-drawer v-model="drawer" :size="viewport.narrow ? '100%' : '62%'" :title="current ? current.person.name + ' ' + current.person.id_number : ''" data-testid="kp-file">
      <template v-if="current">
        <el-descriptions :column="viewport.narrow ? 1 : 3" border size="small">
          <el-descriptions-item label="类别">{{ current.person.categories.map((c) => zhOf(cat.categories, c)).join('、') }}</el-descriptions-item>
          <el-descriptions-item label="法律依据">{{ current.legal_basis }}</el-descriptions-item>
          <el-descriptions-item label="决定机关">{{ current.deciding_authority }}</el-descriptions-item>
          <el-descriptions-item label="管控单位">{{ current.person.unit_name }}</el-descriptions-item>
          <el-descriptions-item label="建档日期">{{ current.person.opened_on }}</el-descriptions-item>
          <el-descriptions-item label="走访周期">每 {{ current.person.visit_every_days }} 天 <el-button link type="primary" size="small" @click="openTransfer">移交</el-button></el-descriptions-item>
        </el-descriptions>
        <el-dialog v-model="tf.open" title="移交档案" width="min(460px, 94vw)" append-to-body>
          <el-form label-width="80px" size="small">
            <el-form-item label="接收单位"><el-select v-model="tf.to_unit_id" filterable style="width:100%"><el-option v-for="u in units" :key="u.id" :label="u.name" :value="u.id" /></el-select></el-form-item>
            <el-form-item label="原因"><el-input v-model="tf.reason" placeholder="如：本人迁居至城关镇" /></el-form-item>
          </el-form>
          <template #footer><el-button @click="tf.open = false">取消</el-button><el-button type="primary" :disabled="!tf.to_unit_id || !tf.reason.trim()" @click="transfer">移交</el-button></template>
        </el-dialog>
        <h4>走访日历 <el-tag size="small" :type="current.person.visit_overdue ? 'danger' : 'success'">下次应走访 {{ current.person.next_visit_due }}</el-tag></h4>
        <e-chart :option="calendar" style="height:150px" />
        <el-form inline size="small" class="field-form">
          <el-select v-model="vf.kind" style="width:120px"><el-option v-for="k in cat.visit_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-date-picker v-model="vf.visited_on" type="date" value-format="YYYY-MM-DD" :clearable="false" style="width:140px" />
          <el-input v-model="vf.note" placeholder="走访情况" style="width:220px" data-testid="kp-visit-note" />
          <el-button type="primary" @click="act('/key-persons/' + current.person.id + '/visits', vf)" data-testid="kp-visit">记录走访</el-button>
        </el-form>
        <h4>七包一管控 <span class="muted" v-if="current.missing_carers.length">缺：{{ current.missing_carers.map((r) => zhOf(cat.carer_roles, r)).join('、') }}</span></h4>
        <el-table :data="current.carers" border size="small"><el-table-column label="角色" width="160"><template #default="{ row }">{{ zhOf(cat.carer_roles, row.role) }}</template></el-table-column><el-table-column prop="name" label="姓名" /></el-table>
        <el-form inline size="small" class="field-form" style="margin-top:6px">
          <el-select v-model="cf.role" style="width:170px"><el-option v-for="k in cat.carer_roles" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-input v-model="cf.name" placeholder="姓名" style="width:120px" /><el-button @click="act('/key-persons/' + current.person.id + '/carers', cf)">设置包保人</el-button>
        </el-form>
        <h4>管控措施</h4>
        <el-table :data="current.measures" border size="small" data-testid="kp-measures">
          <el-table-column label="措施" width="150"><template #default="{ row }">{{ zhOf(cat.measure_kinds, row.kind) }}</template></el-table-column>
          <el-table-column label="期限" width="190"><template #default="{ row }">{{ row.starts_on }} 至 {{ row.ends_on }}</template></el-table-column>
          <el-table-column prop="decided_by" label="决定人" width="90" />
          <el-table-column label="告知" ><template #default="{ row }">{{ row.reason }}；申诉：{{ row.appeal_channel }}；材料：{{ row.documents }}</template></el-table-column>
          <el-table-column label="状态" width="90"><template #default="{ row }"><el-tag size="small" :type="row.state === 'in_force' ? 'danger' : 'info'">{{ MEASURE_STATE_ZH[row.state] }}</el-tag></template></el-table-column>
          <el-table-column label="申诉" width="130"><template #default="{ row }"><template v-if="row.state === 'in_force'">
            <el-button link type="success" size="small" @click="appeal(row, true)" data-testid="kp-appeal-pass">通过</el-button><el-button link size="small" @click="appeal(row, false)">不通过</el-button></template></template></el-table-column>
        </el-table>
        <el-form inline size="small" class="field-form" style="margin-top:6px">
          <el-select v-model="mf.kind" style="width:170px"><el-option v-for="k in cat.measure_kinds" :key="k.code" :label="k.zh" :value="k.code" /></el-select>
          <el-date-picker v-model="mf.starts_on" type="date" value-format="YYYY-MM-DD" style="width:130px" /> 至
          <el-date-picker v-model="mf.ends_on" type="date" value-format="YYYY-MM-DD" style="width:130px" />
          <el-input v-model="mf.reason" placeholder="告知理由" style="width:160px" /><el-input v-model="mf.appeal_channel" placeholder="申诉渠道" style="width:140px" />
          <el-button @click="act('/key-persons/' + current.person.id + '/measures', mf)">采取措施</el-button>
        </el-form>
        <h4>走访记录</h4>
        <el-table :data="current.visits" border size="small"><el-table-column prop="visited_on" label="日期" width="100" /><el-table-column label="类型" width="110"><template #default="{ row }">{{ zhOf(cat.visit_kinds, row.kind) }}</template></el-table-column><el-table-column prop="by_name" label="走访人" width="140" /><el-table-column prop="note" label="情况" /></el-table>
        <template v-if="current.transfers.length"><h4>移交记录</h4>
          <el-table :data="current.transfers" border size="small"><el-table-column prop="from_unit" label="移出单位" /><el-table-column prop="to_unit" label="接收单位" /><el-table-column prop="reason" label="原因" /><el-table-column prop="by_name" label="经办" /></el-table></template>
      </template>
    </el-drawer>
    <el-dialog v-model="newOpen" title="重点人员建档" width="min(560px, 94vw)">
      <el-form label-width="100px" size="small">
        <el-form-item label="身份证号"><el-input v-model="idq" style="width:240px" /><el-button @click="find" style="margin-left:6px">查找</el-button>
          <span v-if="found" style="margin-left:8px">{{ found.name }} {{ found.jurisdiction_name }}</span></el-form-item>
        <el-form-item label="类别"><el-select v-model="nf.categories" multiple style="width:100%"><el-option v-for="k in cat.categories" :key="k.code" :label="k.zh" :value="k.code" /></el-select></el-form-item>
        <el-form-item label="法律依据"><el-input v-model="nf.legal_basis" /></el-form-item>
        <el-form-item label="决定机关"><el-input v-model="nf.deciding_authority" placeholder="如 清溪县公安局" /></el-form-item>
        <el-form-item label="风险分(参考)"><el-input-number v-model="nf.risk_score" :min="0" :max="100" /></el-form-item>
        <el-form-item label="走访周期(天)"><el-input-number v-model="nf.visit_every_days" :min="1" /></el-form-item>
      </el-form>
      <template #footer><el-button @click="newOpen = false">取消</el-button><el-button type="primary" :disabled="!found" @click="create">建档</el-button></template>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/keypersons', title: '重点人员', icon: 'Avatar', perm: 'key_person', page: KeyPersonsPage };
