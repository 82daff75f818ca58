alter table users drop column age;
