drop table items;
drop table users;
