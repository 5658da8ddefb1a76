import { api, can, fail, get, post } from '../lib/api.js';
import { ElMessage, ElMessageBox, computed, onMounted, reactive, ref, watch } from '../lib/vue.js';
import { LIST_KIND_ZH, RULE_KIND_ZH, SIDE_ZH } from '../lib/vocab.js';

// ---- Rules and fraud lists ---------------------------------------------------------------------
export function secondsZh(s) {
  const n = Number(s);
  if (n % 86400 === 0) return `${n / 86400}天`;
  if (n % 3600 === 0) return `${n / 3600}小时`;
  if (n % 60 === 0) return `${n / 60}分钟`;
  return `${n}秒`;
}
export function paramZh(k, v) {
  switch (k) {
    case 'colour': return v === 'red' ? '红名单' : v === 'amber' ? '黄名单' : `名单 ${v}`;
    case 'window_s': return `时间窗 ${secondsZh(v)}`;
    case 'age_s': return `开户不满 ${secondsZh(v)}`;
    case 'idle_s': return `闲置超过 ${secondsZh(v)}`;
    case 'min_fen': return `金额不少于 ${(v / 100).toLocaleString('zh-CN')} 元`;
    case 'min': return `至少 ${v}`;
    case 'min_history': return `至少 ${v} 笔历史交易`;
    case 'factor': return `超过以往 ${v} 倍`;
    case 'ratio': return `转出比例不低于 ${Math.round(v * 100)}%`;
    case 'min_share': return `占比不低于 ${Math.round(v * 100)}%`;
    case 'min_score': return `模型评分不低于 ${v}`;
    case 'side': return `看${SIDE_ZH[v] || v}`;
    case 'overseas': return v ? '含境外来电' : '不含境外来电';
    case 'virtual_operator': return v ? '含虚拟运营商号段' : '不含虚拟运营商号段';
    case 'spoofed': return v ? '含改号来电' : '不含改号来电';
    case 'new_only': return v ? '只计时间窗内新建立的交易对手' : '计所有交易对手';
    default: return `${k}=${v}`;
  }
}
export const RulesPage = {
  setup() {
    const rs = ref(null); const lists = ref([]); const versions = ref([]); const dead = ref({ items: [], total: 0 }); const clues = ref({ items: [], total: 0 });
    const viewing = ref(null);
    const form = reactive({ op: 'add', kind: 'account', value: '', colour: 'amber', source: '', valid_to: '' });
    const upload = ref(false); const toml = ref('');
    // The list can hold thousands of entries: filter and page it here (the API sends it whole,
    // newest first).
    const lf = reactive({ colour: '', kind: '', q: '', page: 1 });
    const LIST_PAGE = 20;
    const listShown = computed(() => {
      const q = lf.q.trim();
      return lists.value.filter((e) => (!lf.colour || e.colour === lf.colour) && (!lf.kind || e.kind === lf.kind) && (!q || e.value.includes(q) || (e.source || '').includes(q)));
    });
    const listPage = computed(() => listShown.value.slice((lf.page - 1) * LIST_PAGE, lf.page * LIST_PAGE));
    watch(() => [lf.colour, lf.kind, lf.q], () => { lf.page = 1; });
    const listState = (e) => (e.active ? '生效中' : (e.valid_to_ms && e.valid_to_ms <= Date.now() ? '已过期' : '未生效'));
    async function load() {
      try {
        rs.value = await get('/engine/ruleset'); lists.value = await get('/engine/lists'); versions.value = await get('/engine/rulesets');
        if (can('list_write')) { dead.value = await get('/engine/dead-letters?per_page=20'); clues.value = await get('/clues?per_page=50'); }
      } catch (e) { fail(e); }
    }
    const note = ref('');
    async function replace() {
      try {
        rs.value = await api('PUT', '/engine/ruleset', { toml: toml.value, note: note.value }); upload.value = false; note.value = '';
        versions.value = await get('/engine/rulesets');
        ElMessage.success('规则已更新为版本 ' + rs.value.version + '，下一笔交易即生效');
      } catch (e) { fail(e); }
    }
    async function view(v) { try { viewing.value = await get('/engine/rulesets/' + encodeURIComponent(v)); } catch (e) { fail(e); } }
    function restore() {
      // An old file goes back in force under a new version number, so history stays linear.
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
      toml.value = viewing.value.toml.replace(/^version\s*=\s*"[^"]*"/m, `version = "${viewing.value.version}-r${stamp}"`);
      note.value = '恢复自版本 ' + viewing.value.version; viewing.value = null; upload.value = true;
    }
    async function submit() {
      if (form.op === 'add' && form.colour === 'red') {
        try { await ElMessageBox.confirm(`加入红名单后，涉及「${form.value}」的交易将被立即拦截。确认加入？`, '立即拦截', { type: 'warning', confirmButtonText: '确认加入' }); } catch { return; }
      }
      try { lists.value = await post('/engine/lists', { ...form, valid_to: form.valid_to ? new Date(form.valid_to).toISOString() : null }); form.value = ''; ElMessage.success('名单已更新，下一笔交易即生效'); }
      catch (e) { fail(e); }
    }
    const scen = (id) => (rs.value ? (rs.value.scenario.find((x) => x.id === id) || {}).name_zh : id);
    const params = (r) => Object.entries(r).filter(([k]) => !['id', 'name_zh', 'scenario', 'weight', 'fraud_types', 'enabled', 'kind'].includes(k)).map(([k, v]) => paramZh(k, v)).join('，');
    const fmt = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '长期');
    onMounted(load);
    async function review(c, confirmed) {
      let reward = '';
      if (confirmed) { try { reward = (await ElMessageBox.prompt('举报奖励金额（元，可为0）', '确认线索并列入红名单', { inputValue: '0' })).value; } catch { return; } }
      try { await post(`/clues/${c.id}/review`, { confirmed, reward_yuan: reward === '0' ? '' : reward }); await load(); ElMessage.success(confirmed ? '已确认，已列入红名单' : '已驳回'); } catch (e) { fail(e); }
    }
    return { rs, lists, form, submit, scen, params, fmt, can, LIST_KIND_ZH, RULE_KIND_ZH, upload, toml, replace, versions, dead, viewing, view, restore, note, clues, review, lf, LIST_PAGE, listShown, listPage, listState };
  },
  template: `
  <div>
    <h2 class="page-title">规则与涉诈名单 <el-tag v-if="rs" size="small">规则版本 {{ rs.version }}</el-tag>
      <el-button v-if="can('list_write')" size="small" style="margin-left:8px" @click="upload = true">更新规则文件</el-button></h2>
    <el-dialog v-model="upload" title="更新规则（TOML，须使用新版本号）" width="720px">
      <el-input v-model="toml" type="textarea" :rows="18" placeholder="粘贴完整的规则文件" />
      <el-input v-model="note" placeholder="变更说明（记入版本历史）" style="margin-top:8px" />
      <template #footer><el-button @click="upload = false">取消</el-button><el-button type="primary" @click="replace">校验并启用</el-button></template>
    </el-dialog>
    <el-card v-if="rs" style="margin-bottom:12px">
      <template #header>预警场景</template>
      <el-table :data="rs.scenario" size="small" border>
        <el-table-column prop="name_zh" label="场景" width="200" />
        <el-table-column prop="warn" label="预警阈值" width="100" />
        <el-table-column prop="hold" label="拦截阈值" width="100" />
        <el-table-column prop="fraud_type_hint" label="类型提示" />
      </el-table>
    </el-card>
    <el-card v-if="rs" style="margin-bottom:12px">
      <template #header>规则</template>
      <el-table :data="rs.rule" size="small" border data-testid="rules">
        <el-table-column prop="id" label="编号" width="70" />
        <el-table-column prop="name_zh" label="名称" width="220" />
        <el-table-column label="场景" width="150"><template #default="{ row }">{{ scen(row.scenario) }}</template></el-table-column>
        <el-table-column prop="weight" label="分值" width="70" />
        <el-table-column label="条件"><template #default="{ row }">{{ RULE_KIND_ZH[row.kind] || row.kind }}<span v-if="params(row)">：{{ params(row) }}</span></template></el-table-column>
        <el-table-column label="适用诈骗类型" width="240"><template #default="{ row }">{{ (row.fraud_types || []).map(t => t === 'all' ? '全部类型' : t).join('、') }}</template></el-table-column>
      </el-table>
    </el-card>
    <el-card style="margin-bottom:12px">
      <template #header>规则版本历史</template>
      <el-table :data="versions" size="small" border data-testid="ruleset-versions">
        <el-table-column prop="version" label="版本" width="220" />
        <el-table-column label="启用时间" width="180"><template #default="{ row }">{{ fmt(row.created_at) }}</template></el-table-column>
        <el-table-column label="启用人" width="120"><template #default="{ row }">{{ row.created_by === 'system' ? '系统' : row.created_by }}</template></el-table-column>
        <el-table-column prop="note" label="说明" />
        <el-table-column label="" width="90"><template #default="{ row }"><el-button link type="primary" @click="view(row.version)">查看</el-button></template></el-table-column>
      </el-table>
    </el-card>
    <el-dialog :model-value="!!viewing" @update:model-value="viewing = null" :title="viewing ? '规则版本 ' + viewing.version : ''" width="760px">
      <pre v-if="viewing" class="toml">{{ viewing.toml }}</pre>
      <template #footer><el-button v-if="can('list_write') && viewing && rs && viewing.version !== rs.version" type="warning" @click="restore">以新版本号恢复此规则</el-button></template>
    </el-dialog>
    <el-card v-if="can('list_write')" style="margin-bottom:12px">
      <template #header>群众举报线索（共 {{ clues.total }} 条；公开举报页：<a href="/report.html" target="_blank">/report.html</a>）</template>
      <el-table :data="clues.items" size="small" border data-testid="clues">
        <el-table-column prop="ref_no" label="受理编号" width="190" />
        <el-table-column label="类型" width="80"><template #default="{ row }">{{ ({ phone: '电话', url: '网址', account: '账户', message: '短信' })[row.kind] }}</template></el-table-column>
        <el-table-column prop="value" label="线索" width="200" />
        <el-table-column label="经过"><template #default="{ row }">{{ row.description }}
          <a v-if="row.has_screenshot" :href="'/api/v1/clues/' + row.id + '/screenshot'" target="_blank">［截图］</a></template></el-table-column>
        <el-table-column label="提交时间" width="170"><template #default="{ row }">{{ fmt(row.submitted_at) }}</template></el-table-column>
        <el-table-column label="核查" width="190"><template #default="{ row }">
          <template v-if="row.status === 'new'"><el-button size="small" type="danger" @click="review(row, true)">确认</el-button><el-button size="small" @click="review(row, false)">驳回</el-button></template>
          <span v-else>{{ row.status === 'confirmed' ? '已确认' : '已驳回' }}{{ row.reward_fen ? '，奖励 ' + (row.reward_fen / 100) + ' 元' : '' }}</span>
        </template></el-table-column>
      </el-table>
    </el-card>
    <el-card v-if="can('list_write')" style="margin-bottom:12px">
      <template #header>数据流异常消息（死信，共 {{ dead.total }} 条；内容加密保存）</template>
      <el-table :data="dead.items" size="small" border data-testid="dead-letters">
        <el-table-column label="接收时间" width="180"><template #default="{ row }">{{ fmt(row.received_at) }}</template></el-table-column>
        <el-table-column prop="source" label="来源" width="180" />
        <el-table-column prop="stream_seq" label="流序号" width="100" />
        <el-table-column prop="field" label="问题字段" width="120" />
        <el-table-column prop="reason" label="原因" />
      </el-table>
    </el-card>
    <el-card>
      <template #header>涉诈名单（红名单：立即拦截；黄名单：加分预警）</template>
      <el-form v-if="can('list_write')" inline size="small">
        <el-form-item><el-select v-model="form.op" style="width:90px"><el-option label="加入" value="add" /><el-option label="移除" value="remove" /></el-select></el-form-item>
        <el-form-item><el-select v-model="form.kind" style="width:90px"><el-option v-for="(zh, k) in LIST_KIND_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item><el-input v-model="form.value" placeholder="账号/号码/网址/设备号" style="width:200px" data-testid="list-value" /></el-form-item>
        <el-form-item><el-radio-group v-model="form.colour" data-testid="list-add-colour"><el-radio-button value="red">红名单</el-radio-button><el-radio-button value="amber">黄名单</el-radio-button></el-radio-group></el-form-item>
        <el-form-item><el-input v-model="form.source" placeholder="来源（案件编号等）" style="width:160px" /></el-form-item>
        <el-form-item><el-date-picker v-model="form.valid_to" type="datetime" placeholder="有效期至（可空）" /></el-form-item>
        <el-button type="primary" @click="submit" data-testid="list-submit">提交</el-button>
      </el-form>
      <el-form inline size="small" style="margin-top:8px">
        <el-form-item label="筛选"><el-select v-model="lf.colour" clearable placeholder="颜色" style="width:100px" data-testid="list-colour"><el-option label="红名单" value="red" /><el-option label="黄名单" value="amber" /></el-select></el-form-item>
        <el-form-item><el-select v-model="lf.kind" clearable placeholder="类型" style="width:100px"><el-option v-for="(zh, k) in LIST_KIND_ZH" :key="k" :label="zh" :value="k" /></el-select></el-form-item>
        <el-form-item><el-input v-model="lf.q" clearable placeholder="尾号或来源" style="width:180px" data-testid="list-q" /></el-form-item>
        <span class="muted" data-testid="list-count">共 {{ lists.length }} 条，符合 {{ listShown.length }} 条</span>
      </el-form>
      <el-table :data="listPage" size="small" border data-testid="lists">
        <el-table-column label="类型" width="70"><template #default="{ row }">{{ LIST_KIND_ZH[row.kind] || row.kind }}</template></el-table-column>
        <el-table-column prop="value" label="值（已脱敏）" min-width="180" />
        <el-table-column label="颜色" width="90"><template #default="{ row }"><el-tag :type="row.colour === 'red' ? 'danger' : 'warning'" size="small">{{ row.colour === 'red' ? '红名单' : '黄名单' }}</el-tag></template></el-table-column>
        <el-table-column prop="source" label="来源" min-width="160" />
        <el-table-column label="列入时间" width="170"><template #default="{ row }">{{ fmt(row.listed_ms) }}</template></el-table-column>
        <el-table-column label="有效期至" width="170"><template #default="{ row }">{{ fmt(row.valid_to_ms) }}</template></el-table-column>
        <el-table-column label="状态" width="80"><template #default="{ row }"><el-tag :type="row.active ? 'success' : 'info'" size="small">{{ listState(row) }}</el-tag></template></el-table-column>
      </el-table>
      <el-pagination v-if="listShown.length > LIST_PAGE" layout="prev, pager, next" :total="listShown.length" :page-size="LIST_PAGE" v-model:current-page="lf.page" style="margin-top:8px" />
    </el-card>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/rules', title: '规则与名单', icon: 'Operation', perm: 'warning_read', page: RulesPage };
