# shellcheck shell=bash
# nginx/prod.conf for a stack test without an install (60, 93): rendered by deploy_render, as
# scripts/install renders it, with its paths inside a test folder, loopback ports, a self-signed
# certificate, and nginx/upstreams.conf pointed at the test stack's pools and chat daemon.
# Source after lib.sh.

# shellcheck source=../lib/deploy.sh
. "${stack_tests_dir:?source lib.sh first}/../lib/deploy.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"

# prod_nginx_config DIR HTTP_PORT HTTPS_PORT PIDFILE: writes the configuration into DIR (its
# nginx.conf is DIR/etc/fcgiapp/nginx/nginx.conf, logs in DIR/var/log/fcgiapp/nginx) and sets
# PROD_NGINX_CONF and PROD_NGINX_LOGS. nginx's workers run as root when the test does (the test
# pool's socket is root's), else as the test's user.
prod_nginx_config() {
    local dir="$1" http_port="$2" https_port="$3" pidfile="$4" tls
    (
        SYSCONFDIR="$dir/etc" LOCALSTATEDIR="$dir/var" RUNSTATEDIR="$dir/run" SERVER_NAME=api.example.com
        HTTP_LISTEN="127.0.0.1:$http_port" HTTPS_LISTEN="127.0.0.1:$https_port" WEB_USER="$(id -un)"
        deploy_layout
        mkdir -p "$CONFDIR/nginx" "$CONFDIR/tls" "$LOGDIR/nginx" "$STATEDIR/nginx" "$STATEDIR/files" "$STATEDIR/acme"
        tls="$CONFDIR/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
            -keyout "$tls/privkey.pem" -out "$tls/fullchain.pem" >/dev/null 2>&1
        cp "$tls/fullchain.pem" "$tls/chain.pem"
        deploy_render "$REPO_ROOT/nginx/prod.conf" | sed -e "s|^pid .*;|pid $pidfile;|" >"$CONFDIR/nginx/nginx.conf"
        deploy_render "$REPO_ROOT/nginx/upstreams.conf" | sed \
            -e "s|server unix:$RUNDIR/pool-api.sock;|server unix:$STACK_SOCKET;|" \
            -e "s|server unix:$RUNDIR/pool-auth.sock;|server unix:$STACK_AUTH_SOCKET;|" \
            -e "s|server unix:$RUNDIR/chat-1.sock max_fails=0;|server 127.0.0.1:$STACK_WS_PORT;|" \
            -e "\|server unix:$RUNDIR/chat-2.sock|d" >"$CONFDIR/nginx/upstreams.conf"
        deploy_render "$REPO_ROOT/nginx/limits.conf" >"$CONFDIR/nginx/limits.conf"
    )
    # shellcheck disable=SC2034  # both read by the calling test
    PROD_NGINX_CONF="$dir/etc/fcgiapp/nginx/nginx.conf"
    # shellcheck disable=SC2034
    PROD_NGINX_LOGS="$dir/var/log/fcgiapp/nginx"
}
