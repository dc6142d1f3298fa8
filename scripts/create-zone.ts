// Creates a hosted zone through the Route 53 API at AWS_ENDPOINT_URL_ROUTE_53 (e.g. moto) and
// prints its id; an existing zone of that name is reused. For setting up servers by hand:
//   AWS_ENDPOINT_URL_ROUTE_53=http://127.0.0.1:5055 node dist/scripts/create-zone.js example.com
import { Route53Client } from '@aws-sdk/client-route-53';
import { ensureZone } from '../client/route53-snapshot';

const name = process.argv[2];
if (!name) {
  console.error('usage: node dist/scripts/create-zone.js <zone name>   (AWS_ENDPOINT_URL_ROUTE_53 says where)');
  process.exit(2);
}
process.env.AWS_ACCESS_KEY_ID ??= 'dev';
process.env.AWS_SECRET_ACCESS_KEY ??= 'dev';
const client = new Route53Client({ region: process.env.AWS_REGION ?? 'us-east-1' });
ensureZone(client, name).then(
  (id) => console.log(id),
  (err) => {
    console.error(`could not create zone ${name}: ${(err as Error).message}`);
    process.exit(1);
  },
);
