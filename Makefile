# dossier — two commands on a fresh machine:  make demo   then   make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SIZE   ?= small

.PHONY: help install system-deps demo test test-fast lint bench clean

help:
	@echo "make demo   安装依赖并为演示工作目录生成全部材料（输出在 build/2022/）"
	@echo "make test   运行全部测试（含 LibreOffice 等较慢的测试）"
	@echo "make bench  性能基准（SIZE=small|medium）"

$(BIN)/dossier: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(BIN)/dossier

# LibreOffice, CJK fonts, qpdf, poppler, chromium via apt-get when missing and permitted.
system-deps:
	@bash devtools/install-system-deps.sh

demo: install system-deps
	$(BIN)/dossier doctor
	@echo "== 检查（演示数据故意缺少几项材料，所以会列出阻断问题）"
	-$(BIN)/dossier check
	-$(BIN)/dossier check --format html
	$(BIN)/dossier score
	$(BIN)/dossier build
	@echo "== 打包（演示数据有阻断问题，用 --force 打包以便演示）"
	$(BIN)/dossier pack --force
	$(BIN)/dossier verify "build/2022/泉州市示例县生态环境保护综合行政执法大队-2022-规范化建设材料.zip"
	@echo "== 完成：输出在 build/2022/"
	@ls -la build/2022/

test: install system-deps
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check dossier tests devtools bench

bench: install system-deps
	$(BIN)/python bench/run.py --size $(SIZE) $(ARGS)

clean:
	rm -rf build/2022 build/bench build/.cache
