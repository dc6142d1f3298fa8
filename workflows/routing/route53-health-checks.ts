// Moved to contract/ (shared by workflows, activities and the client); re-exported for workflow and client code.
export * from '../../contract/route53-health-checks';
