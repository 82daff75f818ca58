"""Races against the real stack (17-races.sh): many rounds of requests released together by a
barrier, each asserting its invariant (which answers, which tokens must fail, which rows must be
gone) and that no answer is a 5xx.

Accounts and tokens are made directly (rows through psql, JWTs signed with the stack's
SECRET_KEY exactly as the API signs them), so that hundreds of rounds need no bcrypt and no login.
"""
import hashlib
import hmac
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ws"))
from wstest import b64url, check, check_eq, direct_account, finish, http, info, sql  # noqa: E402

BASE = os.environ["STACK_URL"]
API = f"{BASE}/api/v1"
ROUNDS = int(os.environ.get("RACE_ROUNDS", "20"))
SERVER_ERRORS = []


def sign(claims):
    secret = os.environ["SECRET_KEY"].encode()
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"), sort_keys=True).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def call(method, path, **kwargs):
    """(status, body) of one request; every 5xx is remembered for the final check."""
    status, body = http(method, f"{API}{path}", **kwargs)
    if status >= 500:
        SERVER_ERRORS.append(f"{method} {path} → {status} {body}")
    return status, body


def together(*calls):
    """Runs the calls in threads released at the same instant; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, function):
        barrier.wait()
        results[index] = function()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


class Account:
    """A user made with SQL (wstest.direct_account), and tokens for it minted like the API's."""

    def __init__(self, admin=False):
        made = direct_account("race", admin=admin)
        self.id, self.email, self.access = made.id, made.email, made.token

    def refresh_token(self):
        """A refresh token of a new family, recorded as the API records a login's."""
        jti = f"race{random.randrange(1 << 60):x}"
        family = f"{random.randrange(1 << 120):030x}"
        exp = int(time.time()) + 3600
        sql(f"INSERT INTO refresh_token_families (family_id, user_id, expires_at) VALUES ('{family}', {self.id}, to_timestamp({exp}));"
            f"INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at) VALUES ('{jti}', '{family}', {self.id}, to_timestamp({exp}))")
        return sign({"sub": str(self.id), "exp": exp, "type": "refresh", "jti": jti})

    def seed_refresh_token(self):
        """A refresh token as the seed app signs them: no jti (made unique by its exp)."""
        return sign({"sub": str(self.id), "exp": int(time.time()) + 3600 + random.randrange(1 << 20), "type": "refresh"})


def refresh(token):
    return call("POST", "/auth/refresh", body={"refresh_token": token})


def logout(account, token):
    return call("POST", "/auth/logout", body={"refresh_token": token}, token=account.access)


def statuses(*answers):
    return sorted(answer[0] for answer in answers)


# --- 1. a refresh for a user that no longer exists ------------------------------------------

def refresh_for_a_deleted_user():
    account = Account()
    tokens = [account.refresh_token(), account.seed_refresh_token()]
    sql(f"DELETE FROM users WHERE id = {account.id}")
    for kind, token in zip(["with jti", "seed"], tokens):
        status, body = refresh(token)
        check_eq(f"refresh ({kind}) for a deleted user → 401 ユーザーが見つかりません",
                 (401, "ユーザーが見つかりません"), (status, body.get("detail") if isinstance(body, dict) else body))


# --- 2. the same refresh token twice at once, and two logouts -------------------------------

def double_refresh(kind):
    bad = []
    for _ in range(ROUNDS):
        account = Account()
        token = account.refresh_token() if kind == "jti" else account.seed_refresh_token()
        got = statuses(*together(lambda: refresh(token), lambda: refresh(token)))
        if got != [200, 401]:
            bad.append(got)
    check(f"two concurrent refreshes of one token ({kind}) → one 200, one 401 ({ROUNDS} rounds)", not bad, f"got {bad[:5]}")


def double_logout(kind):
    bad = []
    for _ in range(ROUNDS):
        account = Account()
        token = account.refresh_token() if kind == "jti" else account.seed_refresh_token()
        got = statuses(*together(lambda: logout(account, token), lambda: logout(account, token)))
        refreshed = refresh(token)[0]
        if got != [204, 401] or refreshed != 401:
            bad.append((got, refreshed))
    check(f"two concurrent logouts of one token ({kind}) → one 204, one 401; the token is dead ({ROUNDS} rounds)",
          not bad, f"got {bad[:5]}")


# --- 3. reuse detection holds under concurrency --------------------------------------------

def reuse_detection_under_concurrency():
    bad, minted = [], 0
    for _ in range(ROUNDS):
        account = Account()
        a = account.refresh_token()
        status, body = refresh(a)
        if status != 200:
            bad.append(("A→B", status))
            continue
        b = body["refresh_token"]
        (status_b, body_b), (status_a, _) = together(lambda: refresh(b), lambda: refresh(a))
        problems = []
        if status_a != 401:
            problems.append(f"reused A answered {status_a}")
        if status_b == 200:
            minted += 1
            if refresh(body_b["refresh_token"])[0] != 401:
                problems.append("the token minted from B as A was reused still refreshes")
        elif status_b != 401:
            problems.append(f"B answered {status_b}")
        if refresh(b)[0] != 401:
            problems.append("B still refreshes")
        if problems:
            bad.append(problems)
    info(f"reuse race: B was refreshed before the revocation in {minted} of {ROUNDS} rounds")
    check(f"after a reuse every token of the family is refused, one minted at the same instant too ({ROUNDS} rounds)",
          not bad, f"{bad[:3]}")


# --- 4. a refresh racing the deletion of its user ------------------------------------------

def refresh_racing_deletion(admin):
    bad = []
    for round_number in range(ROUNDS):
        account = Account()
        token = account.refresh_token() if round_number % 2 == 0 else account.seed_refresh_token()
        (refreshed, body), (deleted, _) = together(
            lambda: refresh(token), lambda: call("DELETE", f"/users/{account.id}", token=admin.access))
        problems = []
        if deleted != 204:
            problems.append(f"delete answered {deleted}")
        if refreshed == 200:
            if call("GET", "/users/profile", token=body["access_token"])[0] != 401:
                problems.append("the new access token works after the deletion")
            if refresh(body["refresh_token"])[0] != 401:
                problems.append("the new refresh token works after the deletion")
        elif refreshed != 401:
            problems.append(f"refresh answered {refreshed}")
        if sql(f"SELECT count(*) FROM users WHERE id = {account.id}") != "0":
            problems.append("the user survived")
        if sql(f"SELECT count(*) FROM refresh_token_families WHERE user_id = {account.id}") != "0":
            problems.append("a token family survived its user")
        if problems:
            bad.append(problems)
    check(f"a refresh racing its user's deletion: delete 204, no token of the user works afterwards ({ROUNDS} rounds)",
          not bad, f"{bad[:3]}")


def deactivation_racing_refresh(admin):
    bad = []
    for _ in range(ROUNDS):
        account = Account()
        token = account.refresh_token()
        (refreshed, body), (patched, _) = together(
            lambda: refresh(token),
            lambda: call("PATCH", f"/users/{account.id}", body={"is_active": False}, token=admin.access))
        problems = []
        if patched != 200:
            problems.append(f"deactivation answered {patched}")
        if refreshed == 200:
            if refresh(body["refresh_token"])[0] != 401:
                problems.append("a refresh token minted in the same instant still works")
            if call("GET", "/users/profile", token=body["access_token"])[0] != 403:
                problems.append("the new access token is not refused with 403")
        elif refreshed != 401:
            problems.append(f"refresh answered {refreshed}")
        if call("GET", "/users/profile", token=account.access)[0] != 403:
            problems.append("the old access token is not refused with 403")
        if problems:
            bad.append(problems)
    check(f"deactivation racing a refresh: no refresh token of the account works afterwards ({ROUNDS} rounds)",
          not bad, f"{bad[:3]}")


# --- 5. writes racing the deletion of their author -----------------------------------------

def writes_racing_deletion(admin):
    bad = []
    for round_number in range(ROUNDS):
        campaign = round_number % 2 == 1
        account = Account(admin=campaign)
        if campaign:
            write = lambda: call("POST", "/campaigns/send", token=account.access, body={
                "recipient_emails": ["race@example.com"], "subject": "race", "body": "race"})
            expected = {200, 401}
        else:
            write = lambda: call("POST", "/items/", token=account.access, body={"title": "race", "price": 1})
            expected = {201, 401}
        (written, _), (deleted, _) = together(write, lambda: call("DELETE", f"/users/{account.id}", token=admin.access))
        problems = []
        if deleted != 204:
            problems.append(f"delete answered {deleted}")
        if written not in expected:
            problems.append(f"{'campaign' if campaign else 'item'} answered {written}")
        if sql(f"SELECT count(*) FROM items WHERE owner_id = {account.id}") != "0":
            problems.append("an item outlived its owner")
        if problems:
            bad.append(problems)
    check(f"items and campaigns racing their author's deletion → 201/200 or 401, nothing left behind ({ROUNDS} rounds)",
          not bad, f"{bad[:3]}")


# --- 6. absurd but signed claims -----------------------------------------------------------

def absurd_claims():
    account = Account()
    for name, claims in [("exp 1e300", {"sub": str(account.id), "exp": 1e300}),
                         ("exp 1e19", {"sub": str(account.id), "exp": 10 ** 19}),
                         ("a 20-digit sub", {"sub": "1" * 20, "exp": int(time.time()) + 600})]:
        access = call("GET", "/users/profile", token=sign(dict(claims, type="access")))[0]
        refreshed = refresh(sign(dict(claims, type="refresh")))[0]
        check_eq(f"absurd but signed claims ({name}) → 401 as access and as refresh token", (401, 401), (access, refreshed))


# --- 7. one canonical path per operation ---------------------------------------------------

def canonical_paths():
    answers = set()
    locations = set()
    for path in ["//api/v1/auth/token", "/api/v1//auth/token", "/api/v1/x/../auth/token"] * 4:
        status, _ = http("POST", f"{BASE}{path}", form={"username": "nobody@example.com", "password": "wrong-password"})
        answers.add(status)
    check_eq("a login at a non-canonical path never reaches the login: 308 every time (12 tries)", {308}, answers)
    for path in ["//api/v1/auth/token", "//api/v1/items"]:
        request = urllib.request.Request(f"{BASE}{path}", method="GET")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            locations.add(error.headers.get("Location"))
    check_eq("redirect Locations name the canonical path, never a scheme-relative //host",
             {"/api/v1/auth/token", "/api/v1/items"}, locations)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    admin = Account(admin=True)
    refresh_for_a_deleted_user()
    double_refresh("jti")
    double_refresh("seed")
    double_logout("jti")
    double_logout("seed")
    reuse_detection_under_concurrency()
    refresh_racing_deletion(admin)
    deactivation_racing_refresh(admin)
    writes_racing_deletion(admin)
    absurd_claims()
    canonical_paths()
    check("no answer of any race was a 5xx", not SERVER_ERRORS, f"{len(SERVER_ERRORS)}: {SERVER_ERRORS[:3]}")
    finish()


main()
