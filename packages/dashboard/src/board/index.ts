export { MissingBoard, StoreBoard, type StoreBoardOptions } from './store-board.js';
export { needsTelemetrySpend, problemCard, taskCard } from './task-card.js';
export { renderMarkdown } from './markdown.js';
