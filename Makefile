# baocao: `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.DEFAULT_GOAL := help

help: ## Liệt kê các lệnh make
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Tạo môi trường ảo .venv và cài baocao
	@echo "Đã cài: $(BIN)/baocao"

demo: $(STAMP) ## Cài đặt rồi xuất các báo cáo mẫu trong data_examples/ vào out/
	$(BIN)/baocao render data_examples/ -o $(OUT) --force
	@ls -1 $(OUT)
	@echo "Làm trong trình duyệt, không cần gõ lệnh: make web"

test: $(STAMP) ## Cài đặt rồi chạy toàn bộ kiểm thử (pytest; phần web thêm một lượt với PostgreSQL)
	$(BIN)/pytest
	BAOCAO_TEST_POSTGRES=$${BAOCAO_TEST_POSTGRES:-1} $(BIN)/pytest tests/web -m "not browser"

web: $(STAMP) ## Chạy ứng dụng web trên máy này và mở trình duyệt
	$(BIN)/baocao web

bench: $(STAMP) ## Đo tốc độ: render, lô 500 báo cáo, tổng hợp và lô 600 xã, ứng dụng web
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/bench_web.py

lint: $(STAMP) ## Kiểm tra mã nguồn bằng ruff
	$(BIN)/ruff check generator tests tools
	$(BIN)/ruff format --check generator tests tools

templates: $(STAMP) ## Dựng lại các mẫu Word/Excel trong templates/
	$(BIN)/python tools/build_templates.py

clean: ## Xóa out/ và môi trường ảo
	rm -rf $(OUT) $(VENV) *.egg-info

.PHONY: help install demo test web bench lint templates clean
