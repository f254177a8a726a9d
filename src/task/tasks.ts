import type { Task, TaskName } from './task.js';
import { classify } from './classify.js';
import { segment } from './segment.js';
import { embed } from './embed.js';
import { regress } from './regress.js';

/** Every task by name: adding a task is one file and one entry here. */
export const TASKS: Readonly<Record<TaskName, Task>> = { classify, segment, embed, regress };
