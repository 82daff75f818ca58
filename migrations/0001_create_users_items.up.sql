-- Users and items, column for column as the seed's SQLAlchemy models.
--
-- Names follow what SQLAlchemy's create_all gives the seed database
-- (unique=True, index=True becomes a unique index ix_<table>_<column>), so a
-- unique violation names the same constraint on either database. "if not
-- exists" lets a seed database run this migration as a no-op (apart from the
-- paging indexes) and then pick up 0002.

create table if not exists users (
    id serial primary key,
    username varchar(50) not null,
    email varchar(255) not null,
    hashed_password varchar(255) not null,
    full_name varchar(100) null,
    is_active boolean not null default true,
    is_admin boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create unique index if not exists ix_users_username on users (username);
create unique index if not exists ix_users_email on users (email);
create index if not exists ix_users_email_active on users (email, is_active);

create table if not exists items (
    id serial primary key,
    title varchar(200) not null,
    description text null,
    price integer not null default 0,
    owner_id integer not null references users (id) on delete cascade,
    created_at timestamptz not null default now()
);

create index if not exists ix_items_owner_id on items (owner_id);

-- Newest-first paging: order by created_at desc, id desc.
create index if not exists ix_items_created_at_id on items (created_at desc, id desc);
