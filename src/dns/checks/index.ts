/**
 * The DNS checks. Each takes the answers and a Lookup (one authoritative server's view) and returns
 * findings with check = its id: what was seen, and the fix with the names filled in. When a record
 * is missing where it belongs, the check also looks where people put it by mistake (the host name
 * instead of the mail domain) and says "found at X, must be at Y".
 *
 * One file per family: address.ts (A, AAAA), mx.ts, ptr.ts, spf.ts, dkim.ts, dmarc.ts, wildcard.ts,
 * localhost.ts, caa.ts, mta-sts.ts, tls-rpt.ts, srv.ts, autoconfig.ts (web-name.ts: what the last
 * two share with mta-sts); servers.ts (ns, consistency); shared.ts, types.ts.
 */
import { checkA, checkAaaa } from './address.js';
import { checkAutoconfig } from './autoconfig.js';
import { checkCaa } from './caa.js';
import { checkDkim } from './dkim.js';
import { checkDmarc } from './dmarc.js';
import { checkLocalhost } from './localhost.js';
import { checkMtaSts } from './mta-sts.js';
import { checkMx } from './mx.js';
import { checkPtr } from './ptr.js';
import { checkSpf } from './spf.js';
import { checkSrv } from './srv.js';
import { checkTlsRpt } from './tls-rpt.js';
import type { CheckFn, CheckId } from './types.js';
import { checkWildcard } from './wildcard.js';

export { CHECK_IDS, type CheckFn, type CheckId, type CheckInput, type Lookup } from './types.js';
export { seen, spfDns } from './shared.js';
export { consistencyFindings, nsFindings, rrsetForm, serverUsable, type ServerAnswers, type ServerProbe } from './servers.js';
export { checkA, checkAaaa, checkMx, checkPtr, checkSpf, checkDkim, checkDmarc, checkWildcard, checkLocalhost, checkCaa, checkMtaSts, checkTlsRpt, checkSrv, checkAutoconfig };

/** The checks that run once per authoritative server, in order. */
export const PER_SERVER_CHECKS: ReadonlyArray<{ id: CheckId; run: CheckFn }> = [
  { id: 'a', run: checkA },
  { id: 'aaaa', run: checkAaaa },
  { id: 'mx', run: checkMx },
  { id: 'ptr', run: checkPtr },
  { id: 'spf', run: checkSpf },
  { id: 'dkim', run: checkDkim },
  { id: 'dmarc', run: checkDmarc },
  { id: 'wildcard', run: checkWildcard },
  { id: 'localhost', run: checkLocalhost },
  { id: 'caa', run: checkCaa },
  { id: 'mta-sts', run: checkMtaSts },
  { id: 'tls-rpt', run: checkTlsRpt },
  { id: 'srv', run: checkSrv },
  { id: 'autoconfig', run: checkAutoconfig },
];
