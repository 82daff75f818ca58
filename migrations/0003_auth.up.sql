-- What the seed keeps nowhere: refresh-token rotation, named permissions, idempotent POSTs.

-- One row per refresh token ever issued. A token is usable once: refreshing marks it used and
-- issues the next token of the same family; presenting a used token again revokes the family.
create table if not exists refresh_tokens (
    jti varchar(128) primary key,
    family_id varchar(64) not null,
    user_id integer not null references users (id) on delete cascade,
    expires_at timestamptz not null,
    used_at timestamptz null,
    revoked_at timestamptz null,
    created_at timestamptz not null default now()
);
create index if not exists ix_refresh_tokens_family_id on refresh_tokens (family_id);
create index if not exists ix_refresh_tokens_user_id on refresh_tokens (user_id);

-- The seed's PermissionChecker reads user.permissions: named grants such as "articles:write".
create table if not exists user_permissions (
    user_id integer not null references users (id) on delete cascade,
    permission varchar(100) not null,
    primary key (user_id, permission)
);

-- Idempotency-Key on POST: the first successful response of (caller, key) is kept and
-- replayed. The row is inserted in the request's own transaction, so a concurrent duplicate
-- waits on the unique index and then sees the stored response.
create table if not exists idempotency_keys (
    scope varchar(100) not null,
    key varchar(255) not null,
    request_hash bytea not null,
    status integer null,
    response_body bytea null,
    created_at timestamptz not null default now(),
    primary key (scope, key)
);
create index if not exists ix_idempotency_keys_created_at on idempotency_keys (created_at);
