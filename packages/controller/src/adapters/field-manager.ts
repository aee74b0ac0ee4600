/** The one field manager for everything the controller writes. */
export const FIELD_MANAGER = "kubewise-controller";
/** Approvals and rejections: Updates by their own manager, like kubectl edits, not the recommender's Apply. */
export const APPROVAL_FIELD_MANAGER = "kubewise-approval";
/** The recommender's VPA-style status.containerRecommendations (written by the publisher). */
export const RECOMMENDER_FIELD_MANAGER = "kubewise-recommender";
