import { can, fail, get, post } from '../lib/api.js';
import { KIND_ZH } from '../lib/vocab.js';
import { ElMessage, computed, onMounted, reactive, ref } from '../lib/vue.js';

// ---- Jurisdictions -----------------------------------------------------------------------
export const JurisdictionsPage = {
  setup() {
    const tree = ref([]); const detail = ref(null); const loading = ref(false);
    const popForm = reactive({ as_of: '', residents: null, source: '' });
    const childForm = reactive({ code: '', name: '' });
    async function load() {
      loading.value = true;
      try {
        const flat = await get('/jurisdictions/tree');
        const byId = new Map(flat.map((j) => [j.id, { ...j, children: [] }]));
        const roots = [];
        for (const j of byId.values()) { const p = byId.get(j.parent_id); if (p) p.children.push(j); else roots.push(j); }
        const sort = (ns) => { ns.sort((a, b) => a.code.localeCompare(b.code)); ns.forEach((n) => sort(n.children)); };
        sort(roots);
        tree.value = roots;
      } catch (e) { fail(e); } finally { loading.value = false; }
    }
    async function select(node) { try { detail.value = await get('/jurisdictions/' + node.id); } catch (e) { fail(e); } }
    async function addPopulation() {
      try { await post(`/jurisdictions/${detail.value.id}/population`, { ...popForm, residents: Number(popForm.residents) }); ElMessage.success('已记录'); await select(detail.value); await load(); }
      catch (e) { fail(e); }
    }
    const childKind = computed(() => detail.value && ({ county: 'town', town: 'village', village: 'grid' })[detail.value.kind]);
    async function addChild() {
      try { await post('/jurisdictions', { parent_id: detail.value.id, kind: childKind.value, code: childForm.code, name: childForm.name }); ElMessage.success('已新增'); childForm.code = ''; childForm.name = ''; await load(); }
      catch (e) { fail(e); }
    }
    onMounted(load);
    return { tree, detail, loading, select, popForm, addPopulation, childForm, addChild, childKind, can, KIND_ZH };
  },
  template: `
  <div>
    <h2 class="page-title">辖区与人口</h2>
    <el-row :gutter="12">
      <el-col :span="10">
        <el-card v-loading="loading">
          <el-tree :data="tree" node-key="id" :props="{ label: 'name', children: 'children' }" :default-expanded-keys="tree.map(t => t.id)" highlight-current @node-click="select" data-testid="jur-tree">
            <template #default="{ data }">
              <span>{{ data.name }} <el-tag size="small" type="info">{{ KIND_ZH[data.kind] }}</el-tag>
              <span v-if="data.residents != null" style="color:#888;margin-left:6px">{{ data.residents.toLocaleString() }} 人</span></span>
            </template>
          </el-tree>
        </el-card>
      </el-col>
      <el-col :span="14">
        <el-card v-if="detail">
          <template #header>{{ detail.name }}（{{ KIND_ZH[detail.kind] }}，编码 {{ detail.code }}）</template>
          <el-descriptions :column="2" border size="small">
            <el-descriptions-item label="常住人口">{{ detail.residents != null ? detail.residents.toLocaleString() + ' 人' : '未登记' }}</el-descriptions-item>
            <el-descriptions-item label="统计日期">{{ detail.residents_as_of || '-' }}</el-descriptions-item>
          </el-descriptions>
          <h4>人口统计（按日期）</h4>
          <el-table :data="detail.population.slice().reverse()" size="small" max-height="260">
            <el-table-column prop="as_of" label="统计日期" width="120" />
            <el-table-column prop="residents" label="常住人口" />
            <el-table-column prop="source" label="来源" />
          </el-table>
          <template v-if="can('registry_write')">
            <h4>登记人口</h4>
            <el-form inline size="small">
              <el-form-item label="日期"><el-date-picker v-model="popForm.as_of" value-format="YYYY-MM-DD" type="date" /></el-form-item>
              <el-form-item label="人数"><el-input-number v-model="popForm.residents" :min="0" /></el-form-item>
              <el-form-item label="来源"><el-input v-model="popForm.source" style="width:120px" /></el-form-item>
              <el-button type="primary" @click="addPopulation">保存</el-button>
            </el-form>
            <template v-if="childKind">
              <h4>新增下级（{{ KIND_ZH[childKind] }}）</h4>
              <el-form inline size="small">
                <el-form-item label="编码"><el-input v-model="childForm.code" style="width:140px" /></el-form-item>
                <el-form-item label="名称"><el-input v-model="childForm.name" style="width:140px" /></el-form-item>
                <el-button type="primary" @click="addChild">新增</el-button>
              </el-form>
            </template>
          </template>
        </el-card>
        <el-empty v-else description="在左侧选择一个辖区" />
      </el-col>
    </el-row>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/jurisdictions', title: '辖区与人口', icon: 'MapLocation', perm: 'registry_read', page: JurisdictionsPage };
