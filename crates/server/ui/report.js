// The public clue form (举报线索): a plain page without the app, served with a strict CSP.
document.getElementById('f').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const msg = document.getElementById('msg');
  const body = { kind: document.getElementById('kind').value, value: document.getElementById('value').value, description: document.getElementById('description').value, contact: document.getElementById('contact').value };
  const file = document.getElementById('shot').files[0];
  if (file) {
    if (file.size > 5 * 1024 * 1024) { msg.className = 'err'; msg.textContent = '截图不能超过5MB。'; return; }
    body.screenshot_base64 = await new Promise((ok, no) => { const fr = new FileReader(); fr.onload = () => ok(fr.result); fr.onerror = no; fr.readAsDataURL(file); });
  }
  msg.className = ''; msg.textContent = '提交中…';
  try {
    const r = await fetch('/api/v1/public/clues', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const d = await r.json().catch(() => ({}));
    if (r.ok) { msg.className = 'ok'; msg.replaceChildren('提交成功，感谢您的举报！', document.createElement('br'), '受理编号：', Object.assign(document.createElement('b'), { id: 'ref', textContent: String(d.ref_no) }), '（请保存以便查询）'); document.getElementById('value').value = ''; document.getElementById('shot').value = ''; }
    else if (r.status === 429) { msg.className = 'err'; msg.textContent = '提交过于频繁，请十分钟后再试。'; }
    else { msg.className = 'err'; msg.textContent = '请检查填写内容：' + (d.message || '提交失败'); }
  } catch (e) { msg.className = 'err'; msg.textContent = '网络错误，请稍后再试。'; }
});
