import { can, esc, fail, get, post, qs } from '../lib/api.js';
import { EChart } from '../lib/chart.js';
import { ElMessage, ElMessageBox, computed, reactive, ref } from '../lib/vue.js';
import { STOP_ZH } from '../lib/vocab.js';

// ---- Fund flows (资金追踪 / 跑分研判) ----------------------------------------------------------
export const FlowPage = {
  components: { EChart },
  setup() {
    const q = reactive({ account: '', since: '', hops: 6, method: 'fifo', horizon_days: 30 });
    const result = ref(null); const loading = ref(false); const open = ref(new Set([0])); const picked = ref(null);
    const yuan = (fen) => (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2 });
    const fmt = (ms) => new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' });
    const params = () => qs({ ...q, since: q.since ? new Date(q.since).toISOString() : '' });
    async function run() {
      if (!q.account || !q.since) { ElMessage.warning('请填写账户和起始时间'); return; }
      loading.value = true;
      try { result.value = await get('/flow/trace?' + params()); open.value = new Set([0]); picked.value = result.value.nodes[0]; } catch (e) { fail(e); }
      loading.value = false;
    }
    // Expanding: a node's children are shown once the node is opened (the start is open).
    const visible = computed(() => {
      const r = result.value; if (!r) return { nodes: [], edges: [] };
      const show = new Set([0]);
      let grew = true;
      while (grew) { grew = false; for (const e of r.edges) if (open.value.has(e.from) && show.has(e.from) && !show.has(e.to)) { show.add(e.to); grew = true; } }
      return { nodes: r.nodes.filter((n) => show.has(n.id)), edges: r.edges.filter((e) => show.has(e.from) && show.has(e.to)) };
    });
    const option = computed(() => {
      const v = visible.value; const perLevel = {};
      const nodes = v.nodes.map((n) => {
        const k = perLevel[n.level] = (perLevel[n.level] || 0) + 1;
        const colour = n.level === 0 ? '#409eff' : n.stop ? '#909399' : n.held_fen > 0 ? '#e6553a' : '#f0a020';
        return { id: String(n.id), name: n.account, x: n.level * 220, y: k * 70, symbolSize: n.level === 0 ? 46 : Math.min(60, 18 + Math.sqrt(n.held_fen / 100) / 4),
          itemStyle: { color: colour }, label: { show: true, position: 'bottom', formatter: `${n.account}\n${n.stop ? STOP_ZH[n.stop] : '留存 ' + yuan(n.held_fen)}` } };
      });
      const links = v.edges.map((e) => ({ source: String(e.from), target: String(e.to), label: { show: true, formatter: yuan(e.traced_fen) }, lineStyle: { width: 1 + Math.log10(1 + e.traced_fen / 100) } }));
      return { tooltip: { formatter: (p) => p.dataType === 'edge' ? `第${v.edges[p.dataIndex].hop}层 ${esc(fmt(v.edges[p.dataIndex].ts_ms))}<br>涉案 ${yuan(v.edges[p.dataIndex].traced_fen)} / 交易 ${yuan(v.edges[p.dataIndex].amount_fen)} 元` : esc(p.name) },
        series: [{ type: 'graph', layout: 'none', roam: true, draggable: true, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 8, data: nodes, links, edgeLabel: { fontSize: 10 }, emphasis: { focus: 'adjacency' } }] };
    });
    function onClick(p) {
      if (p.dataType !== 'node') return;
      const id = Number(p.data.id); picked.value = result.value.nodes[id];
      const s = new Set(open.value); if (s.has(id) && id !== 0) s.delete(id); else s.add(id); open.value = s;
    }
    function expandAll() { open.value = new Set(result.value.nodes.map((n) => n.id)); }
    // The workbook holds accounts in clear: the server asks why, and writes it to the audit log.
    async function exportXlsx() {
      let reason;
      try { ({ value: reason } = await ElMessageBox.prompt('导出的调证表含明文账号，将记入审计日志，请填写事由（如：向银行调取流水、申请止付）', '导出调证表', { inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      window.location.href = '/api/v1/flow/trace.xlsx?' + params() + '&' + qs({ reason });
    }
    // Mule analysis
    const m = reactive({ range: [], add_amber: false }); const mules = ref(null); const mLoading = ref(false);
    async function runMules() {
      if (!m.range || m.range.length !== 2) { ElMessage.warning('请选择时间范围'); return; }
      mLoading.value = true;
      try {
        mules.value = await post('/flow/mules', { from: new Date(m.range[0]).toISOString(), to: new Date(m.range[1]).toISOString(), add_amber: m.add_amber });
        if (m.add_amber) ElMessage.success(`已将 ${mules.value.added_amber} 个账户列入黄名单，待人工确认后转红名单`);
      } catch (e) { fail(e); }
      mLoading.value = false;
    }
    return { q, run, result, loading, option, onClick, picked, yuan, fmt, expandAll, exportXlsx, can, STOP_ZH, m, mules, mLoading, runMules, visible };
  },
  template: `
  <div>
    <h2 class="page-title">资金追踪与跑分研判</h2>
    <el-card style="margin-bottom:12px">
      <el-form inline size="small" @submit.prevent>
        <el-form-item label="受害账户"><el-input v-model="q.account" placeholder="转出账户号" style="width:200px" data-testid="trace-account" /></el-form-item>
        <el-form-item label="起始时间"><span data-testid="trace-since"><el-date-picker v-model="q.since" type="datetime" placeholder="被骗转账时间" /></span></el-form-item>
        <el-form-item label="层数"><el-input-number v-model="q.hops" :min="1" :max="10" style="width:100px" /></el-form-item>
        <el-form-item label="归集方法"><el-select v-model="q.method" style="width:120px"><el-option label="先进先出" value="fifo" /><el-option label="按比例" value="proportional" /></el-select></el-form-item>
        <el-form-item label="追踪天数"><el-input-number v-model="q.horizon_days" :min="1" :max="180" style="width:100px" /></el-form-item>
        <el-button type="primary" :loading="loading" @click="run" data-testid="trace-run">追踪</el-button>
      </el-form>
    </el-card>
    <template v-if="result">
      <el-row :gutter="12">
        <el-col :span="17">
          <el-card><template #header>资金流向图（滚轮缩放、拖动平移；点击账户展开/收起下一层）
              <el-button link type="primary" @click="expandAll">全部展开</el-button>
              <el-tag size="small" type="danger" style="margin-left:8px">转出 {{ yuan(result.traced_out_fen) }} 元，仍留存 {{ yuan(result.held_fen) }} 元</el-tag></template>
            <EChart :option="option" style="height:520px" @click="onClick" data-testid="trace-graph" />
          </el-card>
        </el-col>
        <el-col :span="7">
          <el-card v-if="picked" data-testid="trace-node"><template #header>账户详情</template>
            <el-descriptions :column="1" size="small" border>
              <el-descriptions-item label="账户">{{ picked.account }}</el-descriptions-item>
              <el-descriptions-item label="开户行">{{ picked.bank || '未知' }}</el-descriptions-item>
              <el-descriptions-item label="层级">第 {{ picked.level }} 层</el-descriptions-item>
              <el-descriptions-item label="首次流入">{{ picked.level ? fmt(picked.first_in_ms) : '-' }}</el-descriptions-item>
              <el-descriptions-item label="流入涉案资金">{{ yuan(picked.traced_in_fen) }} 元</el-descriptions-item>
              <el-descriptions-item label="转出涉案资金">{{ yuan(picked.traced_out_fen) }} 元</el-descriptions-item>
              <el-descriptions-item label="估计留存">{{ yuan(picked.held_fen) }} 元</el-descriptions-item>
              <el-descriptions-item v-if="picked.stop" label="资金去向">{{ STOP_ZH[picked.stop] }}（不再追踪）</el-descriptions-item>
              <el-descriptions-item v-if="picked.frontier" label="提示">已达层数上限，资金可能继续流出</el-descriptions-item>
            </el-descriptions>
          </el-card>
        </el-col>
      </el-row>
      <el-card style="margin-top:12px"><template #header>建议止付/冻结（按留存涉案资金排序；期限自动计算）
          <el-button v-if="can('pii_unmask')" link type="primary" @click="exportXlsx" style="margin-left:12px" data-testid="trace-xlsx">导出调证表（XLSX，含明文账号，留痕）</el-button></template>
        <el-table :data="result.freeze" size="small" border data-testid="freeze">
          <el-table-column type="index" label="序号" width="60" />
          <el-table-column prop="account" label="账户" width="200" />
          <el-table-column prop="bank" label="开户行" width="160" />
          <el-table-column label="留存涉案资金(元)" width="160"><template #default="{ row }">{{ yuan(row.held_fen) }}</template></el-table-column>
          <el-table-column label="紧急止付至（48小时，每案每账户至多2次）"><template #default="{ row }">{{ fmt(row.stop_payment_until_ms) }}</template></el-table-column>
          <el-table-column label="冻结至（6个月，可续冻）"><template #default="{ row }">{{ fmt(row.freeze_until_ms) }}</template></el-table-column>
        </el-table>
      </el-card>
    </template>
    <el-card v-if="can('list_write')" style="margin-top:12px"><template #header>跑分/洗钱账户研判（在时间窗内识别多对一、一对多、闭环、分散-归集、归集-分散、等额拆分结构）</template>
      <el-form inline size="small">
        <el-form-item label="时间范围"><el-date-picker v-model="m.range" type="datetimerange" start-placeholder="开始" end-placeholder="结束" data-testid="mules-range" /></el-form-item>
        <el-form-item><el-checkbox v-model="m.add_amber">发现的账户列入黄名单（人工确认后转红）</el-checkbox></el-form-item>
        <el-button type="primary" :loading="mLoading" @click="runMules" data-testid="mules-run">研判</el-button>
      </el-form>
      <template v-if="mules">
        <p class="muted">窗口内活跃账户 {{ mules.candidates }} 个，发现可疑 {{ mules.found.length }} 个。</p>
        <el-table :data="mules.found" size="small" border data-testid="mules">
          <el-table-column prop="account" label="账户" width="200" />
          <el-table-column prop="typology_zh" label="结构" width="140" />
          <el-table-column prop="fan_in" label="新增转入方" width="110" />
          <el-table-column prop="fan_out" label="新增转出方" width="110" />
          <el-table-column label="闭环账户数" width="110"><template #default="{ row }">{{ row.cycle_size > 1 ? row.cycle_size : '-' }}</template></el-table-column>
          <el-table-column label="转入(元)"><template #default="{ row }">{{ yuan(row.inflow_fen) }}</template></el-table-column>
          <el-table-column label="转出(元)"><template #default="{ row }">{{ yuan(row.outflow_fen) }}</template></el-table-column>
          <el-table-column prop="evidence_transfers" label="证据交易数" width="110" />
        </el-table>
      </template>
    </el-card>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/flow', title: '资金追踪', icon: 'Share', perm: 'warning_read', page: FlowPage };
