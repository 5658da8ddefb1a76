import { fail, get } from '../lib/api.js';
import { onMounted, ref } from '../lib/vue.js';

// ---- Stations ------------------------------------------------------------------------------
export const StationsPage = {
  setup() {
    const rows = ref([]); const names = ref(new Map());
    onMounted(async () => {
      try {
        const [st, tree] = await Promise.all([get('/stations'), get('/jurisdictions/tree')]);
        names.value = new Map(tree.map((j) => [j.id, j.name]));
        rows.value = st;
      } catch (e) { fail(e); }
    });
    const precinct = (s) => s.precinct.map((id) => names.value.get(id) || '（辖区外）').join('、');
    return { rows, precinct };
  },
  template: `
  <div>
    <h2 class="page-title">派出所</h2>
    <el-table :data="rows" border stripe>
      <el-table-column prop="code" label="编码" width="90" />
      <el-table-column prop="name" label="名称" width="180" />
      <el-table-column prop="chief_name" label="所长" width="100" />
      <el-table-column prop="deputy_chief_name" label="副所长" width="100" />
      <el-table-column label="管辖区域"><template #default="{ row }">{{ precinct(row) }}</template></el-table-column>
    </el-table>
  </div>`,
};

/** Its entry in the menu. */
export const menu = { path: '/stations', title: '派出所', icon: 'OfficeBuilding', perm: 'registry_read', page: StationsPage };
