export { listClusters, type ClusterView } from "./list";
