// The API documentation page: Swagger UI from the application's own files, on its own schema.
"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
