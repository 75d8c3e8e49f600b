#!/bin/sh
# Run by Dovecot's learn-ham service as _rspamd (see dovecot.conf): teaches Rspamd,
# through its controller socket, that the message on stdin is ham. No arguments are used.
exec /usr/local/bin/rspamc -h /var/rspamd/controller.sock learn_ham
