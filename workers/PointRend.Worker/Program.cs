using PointRend.Inference;
using PointRend.Worker;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddWorkerOptions(builder.Configuration);      // Redis, Queue, Inference sections, validated at start
builder.Services.AddSegmentProcessor();                         // models loaded once, ONNX sessions shared
builder.Services.AddWorkerConsumer(builder.Configuration);     // the consumer loop, drained on SIGTERM
var host = builder.Build();
host.LoadModelsAtStart();                                      // a broken model stops start-up here, with the reason; then warm-up
await host.RunAsync();
