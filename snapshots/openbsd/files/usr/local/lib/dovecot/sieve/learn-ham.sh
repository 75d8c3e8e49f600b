#!/bin/sh
# Teaches Rspamd (its controller on 127.0.0.1, never "localhost") that the message on stdin is ham.
exec /usr/local/bin/rspamc -h 127.0.0.1:11334 learn_ham
