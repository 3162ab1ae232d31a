// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas, and Grafana's Combobox measures its options' text on one: a fixed-width font
// stands in here (the Chromium tests in e2e/ use the real canvas).
HTMLCanvasElement.prototype.getContext = function getContext() {
  return { font: '', measureText: (text) => ({ width: 7 * String(text).length }) };
};
