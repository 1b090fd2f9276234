"""A throwaway Keystone for keyplan's tests, in one Python process (keystone's imports take seconds each).

    /usr/bin/python3 keystone-runner.py CONFIG_FILE ADMIN_PASSWORD

Sets up fernet and credential keys, the SQLite schema (then WAL mode: with SQLite's default journal a request
right after a token request fails with "database is locked") and the admin user, then serves the public API
on a port it binds itself first (so no other process can take it between choosing and binding), prints
`listening <port>` on stdout and serves until stdin closes or the process is terminated.
"""
import os
import socket
import sqlite3
import sys
import threading
import wsgiref.simple_server as wss

config_file, admin_password = sys.argv[1], sys.argv[2]
os.environ['OS_KEYSTONE_CONFIG_FILES'] = config_file

from keystone.cmd import cli  # noqa: E402
import keystone.conf  # noqa: E402

for command in (
    ['fernet_setup', '--keystone-user', str(os.getuid()), '--keystone-group', str(os.getgid())],
    ['credential_setup', '--keystone-user', str(os.getuid()), '--keystone-group', str(os.getgid())],
    ['db_sync'],
    ['bootstrap', '--bootstrap-password', admin_password, '--bootstrap-public-url', 'http://127.0.0.1/v3'],
):
    keystone.conf.CONF.clear()
    cli.main(argv=['keystone-manage', '--config-file', config_file] + command)
    if command[0] == 'db_sync':
        database = keystone.conf.CONF.database.connection.replace('sqlite:///', '', 1)
        sqlite3.connect(database).execute('PRAGMA journal_mode=WAL').close()

# oslo.config reads sys.argv: the application must see none of the runner's arguments.
sys.argv[1:] = []
keystone.conf.CONF.clear()
keystone.conf.CONF.unregister_opt(cli.command_opt)
# bootstrap loaded the backends and locked their registry: the application loads its own.
from keystone.common import provider_api  # noqa: E402
provider_api.ProviderAPIs._clear_registry_instances()

from keystone.server.wsgi import initialize_public_application  # noqa: E402


class QuietHandler(wss.WSGIRequestHandler):
    def log_message(self, *args):
        pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(('127.0.0.1', 0))
port = listener.getsockname()[1]


class PreBoundServer(wss.WSGIServer):
    """Serves on the socket bound above, before the application's imports."""

    def server_bind(self):
        self.socket.close()
        self.socket = listener
        self.server_address = listener.getsockname()
        self.server_name = '127.0.0.1'
        self.server_port = port
        self.setup_environ()


server = PreBoundServer(('127.0.0.1', port), QuietHandler)
server.set_app(initialize_public_application())
print('listening %d' % port, flush=True)


def stop_when_stdin_closes():
    sys.stdin.read()
    server.shutdown()


threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
server.serve_forever()
