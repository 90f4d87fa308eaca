import type { DomainModule } from '../platform/module.js';
import { seedTasksDemo } from './tasks.demo.js';
import { taskRoutes } from './tasks.routes.js';

export { pendingTasks, tasksAbout, type TaskWithEvents } from './tasks.service.js';

/** Task cards between roles: context attached, templated deliverables, approvals, an append-only timeline, role profiles. */
export const tasksModule: DomainModule = { name: 'tasks', routes: taskRoutes, seedDemo: seedTasksDemo };
