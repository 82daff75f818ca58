-- Lists and searches whose cost does not grow with the table (issue 12).
--
-- * Exact row counts kept by triggers (row_counts), so a list's `total` is a sum over a few
--   small rows instead of count(*) over the table, and a deep page finds where it starts by
--   walking per-bucket counts instead of skipping every row before it.
-- * Trigram indexes (pg_trgm) for `search=`: ILIKE '%term%' on the searched columns is answered
--   from the index instead of a scan of every row.
--
-- Safe to apply while the previous version runs: no column changes, and the old version's writes
-- are counted by the triggers from the moment this commits. Writes to items and users wait while
-- it runs (the tables are locked so that no row is counted twice or missed, and the trigram
-- indexes are built in the same transaction: seconds per 100,000 rows); reads go on. The old
-- version's list no longer finds ix_items_created_at_id, which this drops (its page query read
-- every row anyway).

-- In public (a schema every search_path of this app has; a test's own schema may come and go).
-- Where it already is, it stays: the indexes below name its operator class by its schema.
create extension if not exists pg_trgm with schema public;

lock table users, items in share row exclusive mode;

-- The number of rows of `relname`: bucket -2147483648 (no id falls there: the lowest id's is
-- -2097152) holds the whole table, bucket b the rows whose id >> 10 = b (ids 1024·b …
-- 1024·b + 1023; negative ids have negative buckets). Each is split into shards: a writer adds to
-- the shard of its own backend (pg_backend_pid() % 64), so concurrent inserts do not queue on
-- one row lock until they commit. A count is the sum of its shards; shards may go negative.
create table row_counts (
    relname name not null,
    bucket integer not null,
    shard smallint not null,
    n bigint not null,
    primary key (relname, bucket, shard)
) with (fillfactor = 50);  -- room for HOT updates: every write rewrites a counter row

-- Adds sign × the rows of the transition table `changed_rows` (the inserted or the deleted
-- rows of one statement) to the table's total and to each of their buckets, in bucket order
-- (one lock order for every writer). A statement that changed no row changes no counter.
create function row_counts_apply() returns trigger language plpgsql as $$
begin
    insert into row_counts as c (relname, bucket, shard, n)
    select tg_table_name, b.bucket, pg_backend_pid() % 64, tg_argv[0]::integer * count(*)
    from (select -2147483648 as bucket from changed_rows union all select id >> 10 from changed_rows) b
    group by b.bucket
    order by b.bucket
    on conflict (relname, bucket, shard) do update set n = c.n + excluded.n;
    return null;
end;
$$;

-- An id that changes bucket (never through the API) moves its row from one bucket to the other.
create function row_counts_move() returns trigger language plpgsql as $$
begin
    insert into row_counts as c (relname, bucket, shard, n)
    select tg_table_name, m.bucket, pg_backend_pid() % 64, m.n
    from (values (old.id >> 10, -1), (new.id >> 10, 1)) as m (bucket, n)
    order by m.bucket
    on conflict (relname, bucket, shard) do update set n = c.n + excluded.n;
    return null;
end;
$$;

create function row_counts_truncate() returns trigger language plpgsql as $$
begin
    delete from row_counts where relname = tg_table_name;
    return null;
end;
$$;

-- Where row `row_offset` (0-based, newest first by id) of `rel` lies: the bucket that holds it,
-- how many of that bucket's rows come before it, and how many rows the bucket has (1024: every
-- id of its range is there). Walks the buckets from the newest down, in the primary key's order
-- (no sort, no hash: the walk stops at the bucket it looks for, so it reads a few dozen counter
-- rows for a deep page, whatever the table's size). NULLs when the offset is past the end.
-- STABLE: it reads the calling statement's snapshot.
create function row_counts_locate(rel name, row_offset bigint, out bucket integer, out skip bigint, out rows bigint)
language plpgsql stable set enable_sort = off set enable_hashagg = off as $$
declare
    seen bigint := 0;
    counted record;
begin
    for counted in
        select c.bucket, sum(c.n)::bigint as n from row_counts c
        where c.relname = rel and c.bucket > -2147483648
        group by c.bucket order by c.bucket desc
    loop
        if seen + counted.n > row_offset then
            bucket := counted.bucket;
            skip := row_offset - seen;
            rows := counted.n;
            return;
        end if;
        seen := seen + counted.n;
    end loop;
end;
$$;

-- The counts as they are now (the tables are locked: nothing changes until commit).
insert into row_counts (relname, bucket, shard, n)
select 'items', -2147483648, 0, count(*) from items
union all
select 'items', id >> 10, 0, count(*) from items group by id >> 10
union all
select 'users', -2147483648, 0, count(*) from users
union all
select 'users', id >> 10, 0, count(*) from users group by id >> 10;

create trigger items_count_inserted after insert on items
    referencing new table as changed_rows for each statement execute function row_counts_apply('1');
create trigger items_count_deleted after delete on items
    referencing old table as changed_rows for each statement execute function row_counts_apply('-1');
create trigger items_count_moved after update of id on items
    for each row when (old.id >> 10 <> new.id >> 10) execute function row_counts_move();
create trigger items_count_truncated after truncate on items
    for each statement execute function row_counts_truncate();

create trigger users_count_inserted after insert on users
    referencing new table as changed_rows for each statement execute function row_counts_apply('1');
create trigger users_count_deleted after delete on users
    referencing old table as changed_rows for each statement execute function row_counts_apply('-1');
create trigger users_count_moved after update of id on users
    for each row when (old.id >> 10 <> new.id >> 10) execute function row_counts_move();
create trigger users_count_truncated after truncate on users
    for each statement execute function row_counts_truncate();

-- Pages are newest first by id (the primary key's order): the list no longer sorts by
-- created_at, so its index only costs writes.
drop index if exists ix_items_created_at_id;

-- search=: case-insensitive substring of these columns (ILIKE '%term%'), from trigram indexes.
do $$
declare
    ops text := (select quote_ident(n.nspname) || '.gin_trgm_ops'
                 from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm');
begin
    execute format('create index ix_items_title_trgm on items using gin (title %s)', ops);
    execute format('create index ix_items_description_trgm on items using gin (description %s)', ops);
    execute format('create index ix_users_username_trgm on users using gin (username %s)', ops);
    execute format('create index ix_users_email_trgm on users using gin (email %s)', ops);
    execute format('create index ix_users_full_name_trgm on users using gin (full_name %s)', ops);
end;
$$;
