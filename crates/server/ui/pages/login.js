import { fail, post, session } from '../lib/api.js';
import { reactive, ref } from '../lib/vue.js';

// ---- Login -----------------------------------------------------------------------------------
export const LoginPage = {
  setup() {
    const form = reactive({ username: '', password: '' });
    const busy = ref(false);
    async function submit() {
      busy.value = true;
      try { session.me = await post('/auth/login', form); location.hash = '#/'; }
      catch (e) { fail(e); } finally { busy.value = false; }
    }
    return { form, busy, submit };
  },
  template: `
  <div class="login-wrap">
    <el-card class="login-card" shadow="always">
      <div class="login-title">清溪县反诈工作平台</div>
      <div class="login-sub">打击治理电信网络诈骗 · 预警劝阻 · 宣传防范</div>
      <el-form @submit.prevent="submit" label-position="top">
        <el-form-item label="用户名"><el-input v-model="form.username" data-testid="username" autocomplete="username" /></el-form-item>
        <el-form-item label="密码"><el-input v-model="form.password" type="password" show-password data-testid="password" autocomplete="current-password" @keyup.enter="submit" /></el-form-item>
        <el-button type="primary" style="width:100%" :loading="busy" data-testid="login" @click="submit">登录</el-button>
      </el-form>
    </el-card>
  </div>`,
};
