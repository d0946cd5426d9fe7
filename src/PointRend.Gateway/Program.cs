using PointRend.Gateway;

// The table of contents lives in GatewayApp.Build so functional tests start exactly this application.
var app = GatewayApp.Build(args);
await app.RunAsync();
