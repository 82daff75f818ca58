drop table if exists idempotency_keys;
drop table if exists user_permissions;
drop table if exists refresh_tokens;
