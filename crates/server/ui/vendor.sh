#!/usr/bin/env bash
# Refreshes the vendored front-end libraries from the npm registry. The results are committed,
# so building and running Fanzha never needs Node.js; run this only to upgrade a library.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack vue@3.5.45 element-plus@2.14.8 echarts@6.1.0 @element-plus/icons-vue@2.3.2 --loglevel=error >/dev/null)
for f in "$tmp"/*.tgz; do d="${f%.tgz}"; mkdir -p "$d"; tar xzf "$f" -C "$d"; done
cp "$tmp"/vue-3.5.45/package/dist/vue.global.prod.js vendor/
cp "$tmp"/element-plus-2.14.8/package/dist/index.full.min.js vendor/element-plus.js
cp "$tmp"/element-plus-2.14.8/package/dist/index.css vendor/element-plus.css
cp "$tmp"/element-plus-2.14.8/package/dist/locale/zh-cn.min.js vendor/element-plus-zh-cn.js
cp "$tmp"/element-plus-icons-vue-2.3.2/package/dist/index.iife.min.js vendor/element-plus-icons.js
cp "$tmp"/echarts-6.1.0/package/dist/echarts.min.js vendor/
{
  echo "Vendored front-end libraries (see vendor.sh). Licences:"
  for p in vue-3.5.45 element-plus-2.14.8 echarts-6.1.0 element-plus-icons-vue-2.3.2; do
    echo; echo "== $p =="; cat "$tmp/$p/package/LICENSE"* 2>/dev/null || true
  done
} > vendor/LICENSES.txt
