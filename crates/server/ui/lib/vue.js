// Vue and Element Plus, loaded as globals by index.html, as module bindings.
/* global Vue, ElementPlus */
export const { createApp, ref, reactive, computed, onMounted, watch, nextTick, h } = Vue;
export const { ElMessage, ElMessageBox } = ElementPlus;
