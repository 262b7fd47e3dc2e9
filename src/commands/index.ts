import 'reflect-metadata';

export { CommandResolver } from './commands.resolver.js';
export { CommandService } from './commands.service.js';
