"""The client openapi-python-client generates from the running server's /openapi.json, used as its
user would (82-generated-clients.sh): register, log in, read the profile, create an item with and
without a description, read it, list with a search, patch it (also to a null description), delete
it, a 404 (HTTPError) and a 422 (HTTPValidationError); with an admin's token, a campaign and its
task status (`result` null until done, then a CampaignResult). Every answer is parsed into the
generated models, and an undocumented status raises (raise_on_unexpected_status).

    client_flow.py GENERATED_DIR BASE_URL     (an admin's access token: CLIENT_ADMIN_TOKEN)
"""
import datetime
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tap import check, check_eq, fail, finish, info, ok  # noqa: E402

sys.path.insert(0, sys.argv[1])
# The generated package; its modules are named after the operations' tags.
from api_client import AuthenticatedClient, Client  # noqa: E402
from api_client.api.アイテム import (  # noqa: E402
    create_item_api_v1_items_post as create_item,
    delete_item_api_v1_items_item_id_delete as delete_item,
    get_item_api_v1_items_item_id_get as get_item,
    list_items_api_v1_items_get as list_items,
    update_item_api_v1_items_item_id_patch as update_item,
)
from api_client.api.キャンペーン import (  # noqa: E402
    get_task_status_api_v1_campaigns_tasks_task_id_get as task_status,
    send_campaign_api_v1_campaigns_send_post as send_campaign,
)
from api_client.api.ユーザー import get_profile_api_v1_users_profile_get as get_profile  # noqa: E402
from api_client.api.認証 import (  # noqa: E402
    login_api_v1_auth_token_post as login,
    register_api_v1_auth_register_post as register,
)
from api_client.models import (  # noqa: E402
    BodyLoginApiV1AuthTokenPost, CampaignCreate, CampaignResult, HTTPError, HTTPValidationError, ItemCreate,
    ItemListResponse, ItemResponse, ItemUpdate, RegisterResponse, Token, UserCreate, UserResponse,
)

PREFIX = "python client"
BASE = sys.argv[2]
RUN = format(random.randrange(1 << 32), "x")


def expect(step, response, status, model):
    """The parsed body of a documented answer; stops the run at any other."""
    if response.status_code != status or not isinstance(response.parsed, model):
        fail(f"{PREFIX}: {step}", f"HTTP {int(response.status_code)}, parsed {response.parsed!r}: {response.content[:200]!r}")
        finish()
    return response.parsed


def recent(moment):
    return isinstance(moment, datetime.datetime) and moment.tzinfo is not None and \
        abs((datetime.datetime.now(datetime.timezone.utc) - moment).total_seconds()) < 600


def login_as(email, password):
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    token = expect("log in: 200", login.sync_detailed(
        client=anonymous, body=BodyLoginApiV1AuthTokenPost(username=email, password=password)), 200, Token)
    return token, AuthenticatedClient(base_url=BASE, token=token.access_token, raise_on_unexpected_status=True)


def items():
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    email, password = f"python-{RUN}@example.com", f"Python-Pass-{RUN}"
    registered = expect("register: 201", register.sync_detailed(client=anonymous, body=UserCreate(
        username=f"python_{RUN}", email=email, password=password, password_confirm=password,
        full_name="Python Client", age=44)), 201, RegisterResponse)
    ok(f"{PREFIX}: register: 201 RegisterResponse (user {registered.user_id})")
    token, client = login_as(email, password)
    check_eq(f"{PREFIX}: log in: 200 Token (bearer)", "bearer", token.token_type)

    user = expect("profile: 200", get_profile.sync_detailed(client=client), 200, UserResponse)
    check(f"{PREFIX}: profile: UserResponse with full_name, age and both timestamps as datetimes",
          user.id == registered.user_id and user.full_name == "Python Client" and user.age == 44
          and recent(user.created_at) and user.updated_at >= user.created_at, repr(user))

    marker = f"pygen{RUN}"
    first = expect("create with a description: 201", create_item.sync_detailed(client=client, body=ItemCreate(
        title=f"{marker} with", description=f"説明 {marker}", price=1200)), 201, ItemResponse)
    check(f"{PREFIX}: create with a description: 201 ItemResponse",
          first.description == f"説明 {marker}" and first.price == 1200 and first.owner_id == registered.user_id
          and recent(first.created_at), repr(first))
    second = expect("create without a description: 201", create_item.sync_detailed(
        client=client, body=ItemCreate(title=f"{marker} without")), 201, ItemResponse)
    check(f"{PREFIX}: create without a description: null description, default price 0",
          second.description is None and second.price == 0, repr(second))

    read = expect("read: 200", get_item.sync_detailed(client=anonymous, item_id=first.id), 200, ItemResponse)
    check_eq(f"{PREFIX}: read: 200, the item as created (same created_at to the microsecond)",
             first.to_dict(), read.to_dict())

    page = expect("list with search: 200", list_items.sync_detailed(
        client=anonymous, page=1, per_page=10, search=marker), 200, ItemListResponse)
    check_eq(f"{PREFIX}: list with search: ItemListResponse with both items, newest first",
             (2, [second.id, first.id]), (page.total, [item.id for item in page.items]))

    patched = expect("patch: 200", update_item.sync_detailed(
        client=client, item_id=first.id, body=ItemUpdate(description="変更済み", price=77)), 200, ItemResponse)
    check(f"{PREFIX}: patch: 200, description and price changed, title kept",
          patched.description == "変更済み" and patched.price == 77 and patched.title == first.title, repr(patched))
    cleared = expect("patch to a null description: 200", update_item.sync_detailed(
        client=client, item_id=first.id, body=ItemUpdate(description=None)), 200, ItemResponse)
    check(f"{PREFIX}: patch with description null: 200, description cleared",
          cleared.description is None and cleared.price == 77, repr(cleared))

    for item in (first, second):
        response = delete_item.sync_detailed(client=client, item_id=item.id)
        if int(response.status_code) != 204:
            fail(f"{PREFIX}: delete: 204", f"HTTP {int(response.status_code)}")
            finish()
    ok(f"{PREFIX}: delete: 204 for both items")

    gone = expect("read a deleted item: 404", get_item.sync_detailed(client=anonymous, item_id=first.id), 404, HTTPError)
    check_eq(f"{PREFIX}: read a deleted item: 404 HTTPError", f"Item {first.id} not found", gone.detail)

    problem = expect("invalid item: 422", create_item.sync_detailed(
        client=client, body=ItemCreate(title="", price=-1)), 422, HTTPValidationError)
    fields = [f"{error.field} {error.type_}" for error in problem.errors or []]
    check(f"{PREFIX}: invalid item: 422 HTTPValidationError listing every problem",
          problem.detail == "入力値が不正です" and "body -> title string_too_short" in fields
          and "body -> price greater_than_equal" in fields, repr(problem))


def campaign():
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    unknown = expect("unknown task: 404", task_status.sync_detailed(client=anonymous, task_id=f"never-{RUN}"), 404, HTTPError)
    check_eq(f"{PREFIX}: unknown task: 404 HTTPError", "タスクが見つかりません", unknown.detail)

    admin_token = os.environ.get("CLIENT_ADMIN_TOKEN")
    if not admin_token:
        info("no admin token given: campaign not sent")
        return
    admin = AuthenticatedClient(base_url=BASE, token=admin_token, raise_on_unexpected_status=True)
    response = send_campaign.sync_detailed(client=admin, body=CampaignCreate(
        recipient_emails=[f"python-campaign-{RUN}@example.com"], subject=f"Python {RUN}", body="こんにちは"))
    if int(response.status_code) != 200:
        fail(f"{PREFIX}: campaign: 200", f"HTTP {int(response.status_code)}: {response.content[:200]!r}")
        return
    queued = response.parsed
    check_eq(f"{PREFIX}: campaign: 200 CampaignQueued", "queued", queued.status)

    deadline, states = time.monotonic() + 60, []
    while True:
        status = task_status.sync(client=anonymous, task_id=queued.task_id)
        if not states or states[-1] != status.status:
            states.append(status.status)
        if status.status in ("SUCCESS", "FAILURE"):
            check(f"{PREFIX}: task status: {' → '.join(states)} (result null until done), then a CampaignResult",
                  status.status == "SUCCESS" and isinstance(status.result, CampaignResult)
                  and (status.result.sent, status.result.failed) == (1, 0), repr(status))
            return
        if status.result is not None:
            fail(f"{PREFIX}: task status: result null while {status.status}", repr(status))
            return
        if time.monotonic() > deadline:
            fail(f"{PREFIX}: task status: done within 60 s", f"still {status.status}")
            return
        time.sleep(0.2)


items()
campaign()
finish()
