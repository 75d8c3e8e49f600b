# pid 1 of a test machine (machine.sh runs it chrooted with the root's python3).
#
# It reaps: daemons double-fork and their orphans come here; unreaped zombies keep pid files
# "alive" and init scripts' stop actions then wait for nothing.
#
# It stands in for the system logger: smtpd and dovecot log through syslog(3) to /dev/log, where
# journald listens on a booted trixie. With no listener their messages vanish, so this keeps them
# in /var/log/syslog ("Mmm dd hh:mm:ss tag[pid]: text", as rsyslog would, minus the host name).
import os
import re
import signal
import socket
import threading

log_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
log_socket.bind('/dev/log')
os.chmod('/dev/log', 0o666)


def syslog():
    with open('/var/log/syslog', 'ab', buffering=0) as log:
        while True:
            message = log_socket.recv(65536)
            log.write(re.sub(rb'^<\d+>', b'', message).rstrip(b'\n\0') + b'\n')


signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
threading.Thread(target=syslog, daemon=True).start()
print('ready', flush=True)
while True:
    signal.sigtimedwait({signal.SIGCHLD}, 5)
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
