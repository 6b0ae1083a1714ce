# CivicDesk: the README's commands. Each target sets up what it needs on a fresh machine
# (Python 3.11+ and make): the virtual environment is created and filled on first use and
# refreshed when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
REQUIREMENTS := requirements.txt requirements-dev.txt functions/shared/requirements.txt functions/api/requirements.txt

.PHONY: run test fuzz soak bench lint seed preflight deploy clean help vendor

help:
	@echo "make run    start CivicDesk locally (embedded AWS, portal on http://127.0.0.1:8000/)"
	@echo "make test   install what is needed and run the whole test suite"
	@echo "make fuzz   the API fuzzed against its OpenAPI document with 200 examples per operation"
	@echo "make soak   a campaign to 1,000 residents, the runtime killed mid-sending and restarted"
	@echo "make bench  run the benchmarks (writes bench/results/latest.json)"
	@echo "make vendor refresh web/console/vendor/ (and axe-core for the tests) from package-lock.json (needs npm)"
	@echo "make lint   cfn-lint the template, ruff (with import order) and mypy on the package"
	@echo "make seed STACK=name   store infra/config in a deployed stack's table"
	@echo "make preflight STACK=name MAIL_DOMAIN=domain [SHARED_RULE_SET=name] [CREATE_API_GATEWAY_ACCOUNT_ROLE=false]"
	@echo "           before sam deploy: would it break another stack's mail or the API's logging?"

$(STAMP): $(REQUIREMENTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip>=23,<26.3"
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local

test: lint
	$(PY) -m pytest -n 2 --dist loadgroup

# The API fuzzed deeper than `make test` does: 200 examples per operation instead of 15.
fuzz: $(STAMP)
	CIVICDESK_FUZZ_EXAMPLES=200 $(PY) -m pytest -n 2 tests/e2e/test_api_fuzz.py

# The campaign crash test at the issue's size: 1,000 recipients instead of 60 (several minutes).
soak: $(STAMP)
	CIVICDESK_SOAK_RECIPIENTS=1000 $(PY) -m pytest -p no:cacheprovider tests/e2e/test_local_campaign_crash.py

bench: $(STAMP)
	PYTHONPATH=functions/shared $(PY) -m bench

# The front-end libraries' built files, committed: refreshed from package-lock.json (npm ci).
vendor: $(STAMP)
	$(PY) -m infra.vendor

lint: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/mypy

# Store the municipality's configuration in a deployed stack (after `sam deploy`).
seed: $(STAMP)
	@test -n "$(STACK)" || (echo "usage: make seed STACK=<stack name>" && exit 2)
	CIVICDESK_CASES_TABLE=$$($(VENV)/bin/python -c "import boto3,sys; o=boto3.client('cloudformation').describe_stacks(StackName='$(STACK)')['Stacks'][0]['Outputs']; print(next(x['OutputValue'] for x in o if x['OutputKey']=='CasesTableName'))") \
	CIVICDESK_PUBLIC_URL=unused CIVICDESK_MAIL_DOMAIN=unused \
	PYTHONPATH=functions/shared $(PY) -m civicdesk.cli.seed infra/config

# Before every `sam deploy`: would the deploy break mail or the API's logging (docs/operations.md)?
preflight: $(STAMP)
	@test -n "$(STACK)" -a -n "$(MAIL_DOMAIN)" || (echo "usage: make preflight STACK=<stack name> MAIL_DOMAIN=<MailDomain> [SHARED_RULE_SET=<SharedReceiptRuleSetName>] [CREATE_API_GATEWAY_ACCOUNT_ROLE=false]" && exit 2)
	PYTHONPATH=functions/shared $(PY) -m civicdesk.cli.preflight --stack-name "$(STACK)" \
		--mail-domain "$(MAIL_DOMAIN)" --shared-receipt-rule-set "$(SHARED_RULE_SET)" \
		--create-api-gateway-account-role "$(or $(CREATE_API_GATEWAY_ACCOUNT_ROLE),true)"

clean:
	rm -rf .aws-sam .pytest_cache .hypothesis
