"""The staff console's frame in headless Chromium against the local runtime (``make run``):
served at /console/ with its libraries from the stack, signing in (password, a first sign-in's
new password, TOTP), tokens only in sessionStorage and renewed, the menu by role, the profile
(language, password), sign-out; its texts complete in five languages, axe clean."""

from __future__ import annotations

import boto3
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from infra.local.template import ROOT
from tests.support.browser import LANGS, chromium, clean_console, serbian_latin, skip_without_chromium, wait
from tests.support.console import (
    axe_violations,
    console_catalogues,
    demo_user,
    menu,
    open_screen,
    sign_in,
    sign_out,
    wait_for_screen,
)
from tests.support.runtime import running

skip_without_chromium(module=True)
pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("console-browser")]

#: Every screen's texts: each module under web/console/js/messages/.
MESSAGE_MODULES = sorted(p.name for p in (ROOT / "web" / "console" / "js" / "messages").glob("*.js"))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running(tmp_path_factory.mktemp("console")) as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def cognito(runtime):
    pool = runtime.settings()["cognito"]
    client = boto3.client("cognito-idp", region_name=pool["region"], endpoint_url=pool["endpoint"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return client, pool


def test_the_console_and_its_libraries_are_served_from_the_runtime(runtime):
    bare = requests.get(f"{runtime.url}/console", allow_redirects=False, timeout=10)
    assert (bare.status_code, bare.headers["Location"]) == (301, "/console/")
    page = requests.get(f"{runtime.url}/console/", timeout=10)
    assert page.status_code == 200 and 'type="importmap"' in page.text
    for path in ("vendor/preact.mjs", "vendor/preact-hooks.mjs", "vendor/htm.mjs", "js/main.js"):
        answer = requests.get(f"{runtime.url}/console/{path}", timeout=10)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith("text/javascript"), path
    config = requests.get(f"{runtime.url}/v1/public/staff-sign-in", timeout=10).json()
    assert config["client_id"] == runtime.settings()["cognito"]["client_id"]


def test_every_console_text_is_in_five_languages_with_their_plural_forms(browser, runtime):
    with clean_console(browser) as b:
        b.get(f"{runtime.url}/console/")
        wait(b, lambda d: d.find_elements(By.NAME, "username"), "no sign-in form")
        catalogues = console_catalogues(b, MESSAGE_MODULES)
        plural_forms = b.execute_script(
            "return Object.fromEntries(arguments[0].map((l) => [l, new Intl.PluralRules("
            "l.startsWith('sr') ? 'sr' : l).resolvedOptions().pluralCategories]))", LANGS)
    assert set(catalogues) == set(MESSAGE_MODULES), catalogues
    for module, strings in catalogues.items():
        assert sorted(strings) == sorted(LANGS), module
        keys = set(strings["en"])
        for lang in LANGS:
            assert set(strings[lang]) == keys, (module, lang, set(strings[lang]) ^ keys)
            for key, text in strings[lang].items():
                if isinstance(text, dict):
                    assert set(plural_forms[lang]) <= set(text), (module, lang, key, plural_forms[lang])
                    assert all(form.strip() for form in text.values()), (module, lang, key)
                else:
                    assert text.strip(), (module, lang, key)
        for key, text in strings["sr-Cyrl"].items():
            latin = strings["sr-Latn"][key]
            if isinstance(text, dict):
                assert {f: serbian_latin(v) for f, v in text.items()} == latin, (module, key)
            else:
                assert serbian_latin(text) == latin, (module, key)


def test_an_operator_signs_in_sees_the_menu_and_signs_out(browser, runtime):
    operator = demo_user(runtime, "operator")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, operator, path="/profile")
        assert wait_for_screen(b) == "Мој профил"  # her language, sr-Cyrl, from her account
        assert b.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "sr-Cyrl"
        assert operator["name"] in b.find_element(By.CSS_SELECTOR, ".facts").text
        assert "Мој профил" in menu(b)
        stored = b.execute_script("return [localStorage.length, Object.keys(sessionStorage).sort()]")
        assert stored == [0, ["civicdesk.console.me", "civicdesk.console.session", "civicdesk.console.sign-in"]]
        sign_out(b)
        assert "Одјавили сте се." in b.find_element(By.CSS_SELECTOR, ".alert").text
        # Only how to sign in is left in the tab: no token, nothing about her.
        assert b.execute_script("return Object.keys(sessionStorage)") == ["civicdesk.console.sign-in"]
        assert "eyJ" not in b.execute_script("return JSON.stringify(sessionStorage)")


def test_a_wrong_password_is_refused_in_the_chosen_language(browser, runtime):
    operator = demo_user(runtime, "operator")
    with clean_console(browser, expected=["400"]) as b:
        b.get(f"{runtime.url}/console/?lang=cs")
        wait(b, lambda d: d.find_elements(By.NAME, "username"), "no sign-in form")
        b.find_element(By.NAME, "username").send_keys(operator["username"])
        b.find_element(By.NAME, "password").send_keys("not-the-password", Keys.ENTER)
        alert = wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-error"), "no error")
        assert alert[0].text == "Nesprávné uživatelské jméno nebo heslo."
        assert b.find_elements(By.CSS_SELECTOR, "header.top") == []


def test_a_first_sign_in_sets_a_new_password_and_totp_is_asked_when_the_user_has_it(browser, runtime):
    client, pool = cognito(runtime)
    client.admin_create_user(UserPoolId=pool["user_pool_id"], Username="nova.radnica",
                             TemporaryPassword="Privremena-1",
                             UserAttributes=[{"Name": "email", "Value": "nova@demo.civicdesk.rs"},
                                             {"Name": "name", "Value": "Nova Radnica"},
                                             {"Name": "custom:language", "Value": "en"}],
                             MessageAction="SUPPRESS")
    client.admin_add_user_to_group(UserPoolId=pool["user_pool_id"], Username="nova.radnica", GroupName="operator")
    with clean_console(browser) as b:
        b.get(f"{runtime.url}/console/?lang=en")
        wait(b, lambda d: d.find_elements(By.NAME, "username"), "no sign-in form")
        b.find_element(By.NAME, "username").send_keys("Nova.Radnica")
        b.find_element(By.NAME, "password").send_keys("Privremena-1", Keys.ENTER)
        assert wait_for_screen(b, "Choose your password")
        b.find_element(By.NAME, "new_password").send_keys("Moja-Lozinka-7")
        b.find_element(By.NAME, "repeat").send_keys("Moja-Lozinka-8", Keys.ENTER)
        assert b.find_element(By.CSS_SELECTOR, ".field-error").text == "The two passwords are not the same."
        b.find_element(By.NAME, "repeat").clear()
        b.find_element(By.NAME, "repeat").send_keys("Moja-Lozinka-7", Keys.ENTER)
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "header.top"), "not signed in")
        sign_out(b)

    # She sets up an authenticator app (in AWS her device's code; moto takes any six digits).
    access = client.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "nova.radnica", "PASSWORD": "Moja-Lozinka-7"}
                                  )["AuthenticationResult"]["AccessToken"]
    client.associate_software_token(AccessToken=access)
    client.verify_software_token(AccessToken=access, UserCode="123456")
    client.admin_set_user_mfa_preference(UserPoolId=pool["user_pool_id"], Username="nova.radnica",
                                         SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    with clean_console(browser) as b:
        b.find_element(By.NAME, "username").send_keys("nova.radnica")
        b.find_element(By.NAME, "password").send_keys("Moja-Lozinka-7", Keys.ENTER)
        assert wait_for_screen(b, "Authentication code")
        b.find_element(By.NAME, "code").send_keys("123456", Keys.ENTER)
        wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, "header.top"), "not signed in after TOTP")
        sign_out(b)


def test_the_session_survives_a_reload_and_is_renewed_before_it_expires(browser, runtime):
    agent = demo_user(runtime, "department_agent")
    with clean_console(browser) as b:
        sign_in(b, runtime.url, agent, path="/profile")
        # The ID token is due to expire: the console renews it with the refresh token on reload.
        b.execute_script("const s = JSON.parse(sessionStorage.getItem('civicdesk.console.session'));"
                         "s.expiresAt = Date.now() + 30000; s.idToken = 'expired';"
                         "sessionStorage.setItem('civicdesk.console.session', JSON.stringify(s));")
        b.refresh()
        assert wait_for_screen(b) == "Moj profil"
        token = b.execute_script("return JSON.parse(sessionStorage.getItem('civicdesk.console.session')).idToken")
        assert token != "expired"
        me = requests.get(f"{runtime.url}/v1/admin/me", headers={"Authorization": token}, timeout=10)
        assert me.status_code == 200 and me.json()["username"] == agent["username"]
        sign_out(b)


def test_the_profile_changes_the_language_and_the_password(browser, runtime):
    supervisor = demo_user(runtime, "supervisor")
    client, pool = cognito(runtime)
    with clean_console(browser) as b:
        sign_in(b, runtime.url, supervisor, path="/profile")
        form = b.find_elements(By.CSS_SELECTOR, "form.card")[0]
        Select(form.find_element(By.TAG_NAME, "select")).select_by_value("bg")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert wait_for_screen(b, "Моят профил")
        wait(b, lambda d: "Езикът е запазен." in d.page_source, "language not saved")
        attributes = client.admin_get_user(UserPoolId=pool["user_pool_id"], Username=supervisor["username"])
        assert {"Name": "custom:language", "Value": "bg"} in attributes["UserAttributes"]

        password_form = b.find_elements(By.CSS_SELECTOR, "form.card")[1]
        password_form.find_element(By.NAME, "previous").send_keys(supervisor["password"])
        password_form.find_element(By.NAME, "proposed").send_keys("Nova-Lozinka-55")
        password_form.find_element(By.NAME, "repeat").send_keys("Nova-Lozinka-55", Keys.ENTER)
        wait(b, lambda d: "Паролата е сменена." in d.page_source, "password not changed")
        sign_out(b)
    client.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                         AuthParameters={"USERNAME": supervisor["username"], "PASSWORD": "Nova-Lozinka-55"})
    # Put back what the other tests of the module expect.
    client.admin_set_user_password(UserPoolId=pool["user_pool_id"], Username=supervisor["username"],
                                   Password=supervisor["password"], Permanent=True)
    client.admin_update_user_attributes(UserPoolId=pool["user_pool_id"], Username=supervisor["username"],
                                        UserAttributes=[{"Name": "custom:language", "Value": "sr-Cyrl"}])


@pytest.mark.parametrize("lang", ["sr-Latn", "en"])
def test_axe_finds_nothing_on_the_sign_in_and_the_profile(browser, runtime, lang):
    administrator = demo_user(runtime, "administrator")
    with clean_console(browser) as b:
        b.get(f"{runtime.url}/console/?lang={lang}")
        wait(b, lambda d: d.find_elements(By.NAME, "username"), "no sign-in form")
        assert axe_violations(b) == []
        sign_in(b, runtime.url, administrator, lang=lang, path="/profile")
        open_screen(b, "/profile")
        assert axe_violations(b) == []
        sign_out(b)
