export const testIds = {
  appConfig: {
    sidecarToken: 'data-testid ac-sidecar-token',
    sidecarUrl: 'data-testid ac-sidecar-url',
    submit: 'data-testid ac-submit-form',
  },
  fleet: {
    container: 'data-testid fleet-container',
  },
};
