import { api, can, fail, get, post, qs, viewport } from '../lib/api.js';
import { AGE_ZH, FIELD_ZH, KIND_ZH } from '../lib/vocab.js';
import { ElMessage, ElMessageBox, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Residents -------------------------------------------------------------------------------
export const ResidentsPage = {
  setup() {
    const page = ref({ items: [], total: 0 }); const loading = ref(false);
    const q = reactive({ jurisdiction_id: '', name: '', phone: '', id_number: '', age_band: '', page: 1, per_page: 20 });
    const jurs = ref([]);
    const revealed = reactive({});
    const importDialog = ref(false); const report = ref(null); const file = ref(null);
    async function load() {
      const params = { ...q };
      if (String(q.phone).trim() || String(q.id_number).trim()) {
        // A search by full identifier reveals it: the server asks for a reason and audits it.
        try { ({ value: params.reason } = await ElMessageBox.prompt('按手机号或身份证号精确查找等同于查看明文，将记入审计日志，请填写事由（如：核实预警线索）', '按号码查找', { confirmButtonText: '查找', cancelButtonText: '取消', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' })); } catch { return; }
      }
      loading.value = true;
      try { page.value = await get('/residents?' + qs(params)); } catch (e) { fail(e); } finally { loading.value = false; }
    }
    async function unmask(row, field) {
      try {
        const { value: reason } = await ElMessageBox.prompt(`查看「${FIELD_ZH[field]}」明文将记入审计日志，请填写事由（如：核实预警线索）`, '查看明文', { confirmButtonText: '确认查看', cancelButtonText: '取消', inputPattern: /.{4,}/, inputErrorMessage: '事由至少4个字' });
        const r = await post(`/residents/${row.id}/unmask`, { field, reason });
        revealed[row.id + ':' + field] = r.value || '（空）';
      } catch (e) { if (e !== 'cancel' && e !== 'close') fail(e); }
    }
    const shown = (row, field) => revealed[row.id + ':' + field] || row[field];
    async function doImport() {
      if (!file.value) { ElMessage.warning('请选择文件'); return; }
      const fd = new FormData(); fd.append('file', file.value);
      try { report.value = await api('POST', '/residents/import', fd, true); await load(); } catch (e) { fail(e); }
    }
    onMounted(async () => { try { jurs.value = await get('/jurisdictions/tree'); } catch (e) { fail(e); } await load(); });
    return { page, q, load, loading, jurs, unmask, shown, can, importDialog, report, file, doImport, AGE_ZH, KIND_ZH, FIELD_ZH, viewport };
  },
  template: `
  <div>
    <h2 class="page-title">居民信息 <el-tag size="small" type="warning">个人信息已脱敏，查看明文需填写事由并留痕</el-tag></h2>
    <div class="toolbar">
      <el-select v-model="q.jurisdiction_id" placeholder="辖区" clearable filterable style="width:200px" @change="q.page=1;load()">
        <el-option v-for="j in jurs.filter(j => j.kind !== 'grid')" :key="j.id" :label="j.name + '（' + KIND_ZH[j.kind] + '）'" :value="j.id" />
      </el-select>
      <el-input v-model="q.name" placeholder="姓名（前缀）" style="width:130px" clearable />
      <el-input v-model="q.phone" placeholder="手机号（精确）" style="width:150px" clearable data-testid="search-phone" />
      <el-input v-model="q.id_number" placeholder="身份证号（精确）" style="width:190px" clearable />
      <el-select v-model="q.age_band" placeholder="年龄段" clearable style="width:120px"><el-option v-for="(zh, k) in AGE_ZH" :key="k" :label="zh" :value="k" /></el-select>
      <el-button type="primary" @click="q.page=1;load()" data-testid="search">查询</el-button>
      <el-button v-if="can('resident_write')" @click="importDialog=true;report=null">批量导入</el-button>
    </div>
    <div v-if="viewport.narrow" v-loading="loading" data-testid="resident-cards">
      <el-empty v-if="!page.items.length" description="暂无居民" :image-size="60" />
      <el-card v-for="row in page.items" :key="row.id" shadow="never" class="list-card" data-testid="resident-card">
        <div class="warning-card-head"><b class="masked">{{ shown(row, 'name') }}</b><span>{{ row.gender }} · {{ AGE_ZH[row.age_band] }}</span>
          <span class="muted" style="margin-left:auto">{{ row.jurisdiction_name }}</span></div>
        <div class="masked">{{ shown(row, 'id_number') }}</div>
        <div class="masked">{{ shown(row, 'phone') || '-' }} · {{ shown(row, 'address') || '-' }}</div>
        <div v-if="can('pii_unmask')">
          <el-dropdown trigger="click" @command="(f) => unmask(row, f)">
            <el-button size="small">查看明文</el-button>
            <template #dropdown><el-dropdown-menu>
              <el-dropdown-item v-for="(zh, f) in FIELD_ZH" :key="f" :command="f">{{ zh }}</el-dropdown-item>
            </el-dropdown-menu></template>
          </el-dropdown></div>
      </el-card>
    </div>
    <el-table v-else :data="page.items" border stripe v-loading="loading" data-testid="residents">
      <el-table-column prop="id" label="编号" width="90" />
      <el-table-column label="姓名" width="110"><template #default="{ row }"><span class="masked">{{ shown(row, 'name') }}</span></template></el-table-column>
      <el-table-column label="身份证号" width="200"><template #default="{ row }"><span class="masked">{{ shown(row, 'id_number') }}</span></template></el-table-column>
      <el-table-column label="手机号" width="140"><template #default="{ row }"><span class="masked">{{ shown(row, 'phone') || '-' }}</span></template></el-table-column>
      <el-table-column label="住址"><template #default="{ row }"><span class="masked">{{ shown(row, 'address') || '-' }}</span></template></el-table-column>
      <el-table-column prop="gender" label="性别" width="60" />
      <el-table-column label="年龄段" width="100"><template #default="{ row }">{{ AGE_ZH[row.age_band] }}</template></el-table-column>
      <el-table-column prop="jurisdiction_name" label="网格" width="110" />
      <el-table-column v-if="can('pii_unmask')" label="查看明文" width="150">
        <template #default="{ row }">
          <el-dropdown trigger="click" @command="(f) => unmask(row, f)">
            <el-button size="small" link type="primary">选择字段</el-button>
            <template #dropdown><el-dropdown-menu>
              <el-dropdown-item v-for="(zh, f) in FIELD_ZH" :key="f" :command="f">{{ zh }}</el-dropdown-item>
            </el-dropdown-menu></template>
          </el-dropdown>
        </template>
      </el-table-column>
    </el-table>
    <div class="pager"><el-pagination layout="total, prev, pager, next" :total="page.total" :page-size="q.per_page" v-model:current-page="q.page" @current-change="load" /></div>
    <el-dialog v-model="importDialog" title="批量导入居民（CSV / XLSX）" width="640px">
      <p style="color:#666;font-size:13px">列：姓名、身份证号、手机号、住址、性别、年龄段、户号、辖区编码（英文列名 name, id_number, phone, address, gender, age_band, household_code, jurisdiction_code 亦可）。有误的行逐行列出，其余行照常导入。</p>
      <input type="file" accept=".csv,.xlsx" @change="e => file = e.target.files[0]" data-testid="import-file" />
      <el-button type="primary" style="margin-left:8px" @click="doImport" data-testid="import-go">导入</el-button>
      <div v-if="report" style="margin-top:12px" data-testid="import-report">
        <el-alert :title="'共 ' + report.rows + ' 行，成功 ' + report.accepted + ' 行，失败 ' + report.rejected_total + ' 行' + (report.rejected_total > report.rejected.length ? '（下表列出前 ' + report.rejected.length + ' 行）' : '')" :type="report.rejected.length ? 'warning' : 'success'" :closable="false" />
        <el-table v-if="report.rejected.length" :data="report.rejected" size="small" max-height="240" style="margin-top:8px">
          <el-table-column prop="row" label="行号" width="70" />
          <el-table-column prop="message_zh" label="原因" />
        </el-table>
      </div>
    </el-dialog>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/residents', title: '居民信息', icon: 'User', perm: 'resident_read', page: ResidentsPage };
