#!/bin/sh
# Run once by the mysql image when its data volume is first initialised
# (/docker-entrypoint-initdb.d): the least-privilege user the api and workers connect as.
# Migrations (and the gen:data / gen:demo bulk loaders) use root: they change tables and
# triggers. The apps only read and write rows. For a data volume made before this script
# existed, run the same statements by hand (docs/OPERATIONS.md "Database users").
set -eu
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS '${DB_APP_USER}'@'%' IDENTIFIED BY '${DB_APP_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${MYSQL_DATABASE}\`.* TO '${DB_APP_USER}'@'%';
SQL
