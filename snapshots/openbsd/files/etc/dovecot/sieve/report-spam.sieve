# A message moved into Junk: learn it as spam.
require ["vnd.dovecot.pipe", "copy", "imapsieve"];
pipe :copy "learn-spam";
