// Calls every RPC of pointrend.v1.SegmentationService with a client generated from the .proto files at run time.
// Usage: node call-all.mjs HOST:PORT IMAGE.png   (prints one line per RPC; exits 1 on the first surprise)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [address, imagePath] = process.argv.slice(2);
const protos = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../protos');
const definition = protoLoader.loadSync('pointrend/v1/segmentation.proto', {
  includeDirs: [protos], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).pointrend.v1;
const client = new v1.SegmentationService(address, grpc.credentials.createInsecure(),
  { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
const image = { encoded: readFileSync(imagePath) };
const deadline = () => new Date(Date.now() + 60_000);

function fail(what) {
  console.error(`FAIL ${what}`);
  process.exit(1);
}

function unary(method, request) {
  return new Promise((resolve, reject) => client[method](request, { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res))));
}

function collect(call) {
  return new Promise((resolve, reject) => {
    const messages = [];
    call.on('data', (m) => messages.push(m));
    call.on('end', () => resolve(messages));
    call.on('error', reject);
  });
}

const models = await unary('ListModels', {});
const camvid = models.models.find((m) => m.name === 'camvid') ?? fail('ListModels: no camvid');
console.log(`ListModels ${models.models.length} model(s); camvid has ${camvid.classes.length} classes, max_steps ${camvid.max_steps}`);

const segmented = await unary('Segment', { image, options: { mode: 'RENDER_MODE_COARSE', outputs: { class_raw: true } }, correlation_id: 'js-1' });
if (segmented.correlation_id !== 'js-1' || segmented.class_raw.length !== segmented.width * segmented.height) fail('Segment: wrong echo or size');
console.log(`Segment ${segmented.width}x${segmented.height} correlation_id=${segmented.correlation_id}`);

const refused = await unary('Segment', { options: {} }).then(() => null, (e) => e);
if (!refused || refused.code !== grpc.status.INVALID_ARGUMENT || !refused.metadata.get('grpc-status-details-bin').length) fail('Segment without image: expected INVALID_ARGUMENT with details');
console.log(`Segment without image -> ${grpc.status[refused.code]} "${refused.details}"`);

const tiled = await collect(client.SegmentTiled({ image, options: { mode: 'RENDER_MODE_COARSE' }, correlation_id: 'js-tiled' }, { deadline: deadline() }));
const whole = tiled.at(-1);
if (whole?.part !== 'result' || tiled.filter((m) => m.part === 'tile').length < 1) fail('SegmentTiled: expected tiles then the result');
console.log(`SegmentTiled ${tiled.length - 1} tile(s) then ${whole.result.width}x${whole.result.height}`);

const stream = client.SegmentStream({ deadline: deadline() });
const answers = collect(stream);
stream.write({ config: { options: { mode: 'RENDER_MODE_COARSE', outputs: { class_raw: true } } } });
stream.write({ frame: { sequence: '7', image } });
stream.write({ frame: { sequence: '8', image: { encoded: Buffer.from('not an image') } } });
stream.write({ frame: { sequence: '9', image } });
stream.end();
const frames = await answers;
const summary = frames.map((f) => `${f.sequence}:${f.status}`).join(' ');
if (summary !== '7:FRAME_STATUS_PROCESSED 8:FRAME_STATUS_FAILED 9:FRAME_STATUS_PROCESSED') fail(`SegmentStream: ${summary}`);
if (frames[1].error.code !== grpc.status.INVALID_ARGUMENT) fail('SegmentStream: frame 8 should fail INVALID_ARGUMENT');
console.log(`SegmentStream ${summary}`);
client.close();
console.log('OK');
