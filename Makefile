# The two commands of the README; everything else lives in scripts/.
.PHONY: dev test build bootstrap

## Run the local stack (scim2-server + Worker in workerd + page) at http://127.0.0.1:8787
dev:
	@bash scripts/dev

## Run every test tier (native, npm, Worker, browser, main job)
test:
	@bash scripts/test

build:
	@bash scripts/bootstrap && bash scripts/build

bootstrap:
	@bash scripts/bootstrap
