/**
 * Steps that own files share one pattern: render → compare with the disk → write what differs →
 * verify that each file is there as written. A missing file fails (repair restores it); a file
 * edited by hand only warns, so repair leaves it unless the daemon's own check fails.
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
      return {
        status: 'warn',
        check,
        summary: `${file.path} differs from what mail-wizard wrote`,
        evidence: 'edited by hand, or written for other answers',
        fix: 'Keep it if the change is yours; `mail-wizard plan` shows the difference.',
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
