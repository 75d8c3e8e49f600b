/** The terminal's size, following resizes; an explicit size wins (tests, fixed layouts). */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { Size } from './layout.js';

const read = (stdout: NodeJS.WriteStream): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });

export function useTerminalSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState<Size>(() => fixed ?? read(stdout));
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
