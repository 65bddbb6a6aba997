#!/usr/bin/env bash
# Install the system packages dossier needs (Debian/Ubuntu), only when missing and permitted.
# Prints what to do instead when apt-get is not available or we may not use it.
set -u
PKGS="libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-noto-cjk fonts-noto-cjk-extra fonts-lxgw-wenkai fonts-arphic-gbsn00lp fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei qpdf poppler-utils unzip"
# chromium renders the HTML check report in the tests
if [ "${DOSSIER_WITH_CHROMIUM:-1}" = "1" ]; then PKGS="$PKGS chromium"; fi

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $p"
    fi
  done
else
  command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice"
fi
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统组件：$missing。请手工安装 LibreOffice 和中文字体（见 README），然后运行 dossier doctor。"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "缺少系统组件：$missing"
    echo "请运行：sudo apt-get install$missing"
    exit 0
  fi
fi
echo "正在安装系统组件：$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -q --no-install-recommends $missing
