/**
 * Steps that own files share one pattern: render → compare with the disk → write what differs →
 * verify that each file is there as written. The run state says who wrote what is on disk:
 *   - missing, or never written by mail-wizard (the distribution's stock file): fails, so that
 *     repair writes it: a step that never ran must not pass;
 *   - as mail-wizard last wrote it, but other answers (or a newer mail-wizard) want other content:
 *     fails too, nobody's change is lost by rewriting it;
 *   - edited by hand since mail-wizard wrote it: only warns, and is left as it is unless a person
 *     says yes or the daemon's own check fails (see the runner).
 */
import { octal } from '../../src/engine/actions.js';
import type { Context, Finding, WriteFileAction } from '../../src/engine/types.js';
import { insideBlock } from './marked-block.js';

export interface ManagedFile {
  path: string;
  content: string;
  mode: number;
  owner?: string;
  group?: string;
  /** A file shared with the admin, of which we own one marked block (see marked-block.ts). */
  shared?: boolean;
}

export interface FileState {
  file: ManagedFile;
  current: string | null;
  /** Mode and owner differ from what is wanted (only known when the file and the accounts exist). */
  metaDiffers: boolean;
}

export async function probeFiles(ctx: Context, files: ManagedFile[]): Promise<FileState[]> {
  return Promise.all(
    files.map(async (file) => {
      const current = await ctx.host.readFile(file.path);
      const stat = current === null ? null : await ctx.host.stat(file.path);
      let metaDiffers = false;
      if (stat) {
        const uid = file.owner === undefined ? undefined : (await ctx.host.user(file.owner))?.uid;
        const gid = file.group === undefined ? undefined : await ctx.host.groupId(file.group);
        metaDiffers = stat.mode !== file.mode || (uid !== undefined && stat.uid !== uid) || (gid != null && stat.gid !== gid);
      }
      return { file, current, metaDiffers };
    }),
  );
}

export function writeAction(file: ManagedFile): WriteFileAction {
  const action: WriteFileAction = { type: 'writeFile', path: file.path, content: file.content, mode: file.mode };
  if (file.owner !== undefined) action.owner = file.owner;
  if (file.group !== undefined) action.group = file.group;
  return action;
}

export function planFiles(states: FileState[]): WriteFileAction[] {
  return states.filter((s) => s.current !== s.file.content || s.metaDiffers).map((s) => writeAction(s.file));
}

export async function verifyFiles(ctx: Context, check: string, files: ManagedFile[]): Promise<Finding[]> {
  const states = await probeFiles(ctx, files);
  return states.map(({ file, current, metaDiffers }): Finding => {
    if (current === null) {
      return { status: 'fail', check, summary: `${file.path} is missing`, evidence: `no file at ${file.path}`, fix: 'Run `mail-wizard repair` to write it again.' };
    }
    if (file.shared && insideBlock(current) === null) {
      return { status: 'fail', check, summary: `${file.path} lacks the mail-wizard block`, evidence: 'no "# BEGIN mail-wizard" line', fix: 'Run `mail-wizard repair` to add it again (the other lines stay as they are).' };
    }
    if (current !== file.content) {
      const origin = ctx.state.origin(file.path, current);
      if (origin === 'edited') {
        return {
          status: 'warn',
          check,
          summary: `${file.path} was edited by hand since mail-wizard wrote it; left as it is`,
          evidence: `its content is not what mail-wizard last wrote (${ctx.state.file ?? 'run state'})`,
          fix: 'Keep it if the change is yours: `mail-wizard plan` shows the difference, and `mail-wizard setup` in a terminal asks before replacing it (yours is backed up).',
        };
      }
      return {
        status: 'fail',
        check,
        summary: origin === 'never' ? `${file.path} is not written by mail-wizard yet` : `${file.path} is out of date (written by mail-wizard for other answers)`,
        evidence: origin === 'never' ? 'the file there is not one mail-wizard wrote (the distribution\'s, or from before mail-wizard)' : 'it is as mail-wizard last wrote it, and these answers want other content',
        fix: 'Run `mail-wizard repair` to write it (the current file is backed up first).',
      };
    }
    if (metaDiffers) {
      return {
        status: 'warn',
        check,
        summary: `${file.path} has another mode or owner than ${octal(file.mode)} ${[file.owner, file.group].filter(Boolean).join(':')}`,
        fix: 'Run `mail-wizard setup` to set them again.',
      };
    }
    return { status: 'pass', check, summary: `${file.path} is as written` };
  });
}
